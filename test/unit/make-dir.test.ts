// The data folder is made where it can be, and fails where it cannot: Node's own recursive mkdir never returns for a
// folder under /proc (ENOENT for ever), which left a start hanging with no word.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
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

  // Under /proc mkdir answers ENOENT (some sandboxes: EACCES or EPERM); what matters is an answer, not a spin.
  const CANNOT = ['ENOENT', 'EACCES', 'EPERM'];

  it.runIf(process.platform === 'linux')('fails at once, naming the folder, under /proc', () => {
    let thrown: NodeJS.ErrnoException | undefined;
    try {
      makeDir('/proc/numberflow-test/data', 0o700);
    } catch (err) {
      thrown = err as NodeJS.ErrnoException;
    }
    expect(thrown).toMatchObject({ syscall: 'mkdir', path: '/proc/numberflow-test' });
    expect(CANNOT).toContain(thrown?.code);
  });

  it.runIf(process.platform === 'linux')('stops a start on such a folder, naming it', async () => {
    const { NUMBERFLOW_DATA_DIR: _, ...env } = process.env;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...env, NUMBERFLOW_DATA_DIR: '/proc/numberflow-test/data', HTTP_PORT: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killed = setTimeout(() => child.kill('SIGKILL'), 60_000); // a spin is killed, and fails below
    const [status, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    clearTimeout(killed);
    expect(signal).toBeNull();
    expect(status).toBe(1);
    expect(stderr).toMatch(/^numberflow: \w+: .*, mkdir '\/proc\/numberflow-test'/m);
  });
});
