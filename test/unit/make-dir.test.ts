// The data folder is made where it can be, and fails where it cannot: Node's own recursive mkdir never returns for a
// folder under /proc (ENOENT for ever), which left a start hanging with no word.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDir } from '../../src/make-dir.js';

const root = mkdtempSync(join(tmpdir(), 'nf-make-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('making the data folder', () => {
  it('makes every missing folder, owner-only when asked, and leaves one already there', () => {
    const deep = join(root, 'a', 'b', 'c');
    makeDir(deep, 0o700);
    for (const dir of [join(root, 'a'), join(root, 'a', 'b'), deep]) {
      expect(statSync(dir).isDirectory()).toBe(true);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    }
    expect(() => makeDir(deep, 0o700)).not.toThrow();
  });

  it('fails as mkdir does under a file and on a file', () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    expect(() => makeDir(join(file, 'data'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => makeDir(file)).toThrow(expect.objectContaining({ code: 'EEXIST', syscall: 'mkdir' }));
  });

  it.runIf(process.platform === 'linux')('fails at once, naming the folder, under /proc', () => {
    expect(() => makeDir('/proc/numberflow-test/data', 0o700)).toThrow(
      expect.objectContaining({ code: 'ENOENT', syscall: 'mkdir', path: '/proc/numberflow-test' }),
    );
  });

  it.runIf(process.platform === 'linux')('stops a start on such a folder with a word on what to do', () => {
    const started = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, NUMBERFLOW_DATA_DIR: '/proc/numberflow-test/data', HTTP_PORT: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(started.signal).toBeNull(); // not killed by the timeout: it answered
    expect(started.status).toBe(1);
    expect(started.stderr).toContain(
      `numberflow: ENOENT: no such file or directory, mkdir '/proc/numberflow-test'; no folder can be made at "/proc/numberflow-test"`,
    );
  });
});
