// The data folder's key, secret and token files are written once (src/make-dir.ts writeOnce, which every one of
// them goes through): whole or not at all when the disk refuses a write, and never written again, nor beside, once
// there (a read-only folder that holds it serves).
import { closeSync, linkSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeOnce, type Disk } from '../../src/make-dir.js';

const folder = () => mkdtempSync(join(tmpdir(), 'numberflow-write-once-'));
const refused = (code: string) => Object.assign(new Error(`${code}: refused`), { code });

/** The real disk, but for what `refuse` names: a full one (every write), or one without hard links. */
function disk(refuse: { write?: string; link?: string } = {}, opened: string[] = []): Disk {
  return {
    open: (path, flags, mode) => (opened.push(path), openSync(path, flags, mode)),
    write: (fd, data) => {
      if (refuse.write) throw refused(refuse.write);
      writeFileSync(fd, data);
    },
    link: (existing, name) => {
      if (refuse.link) throw refused(refuse.link);
      linkSync(existing, name);
    },
  };
}

describe('a file written once', () => {
  it('is left out whole when the disk is full, and written when there is room again', () => {
    const dataDir = folder();
    const key = join(dataDir, 'codec-keys');
    expect(() => writeOnce(key, 'local-1a2b3c4d:key\n', 0o600, disk({ write: 'ENOSPC' }))).toThrow(/ENOSPC/);
    expect(readdirSync(dataDir)).toEqual([]); // nothing half-made: neither the file nor the one written beside
    expect(writeOnce(key, 'local-1a2b3c4d:key\n', 0o600, disk())).toBe(true);
    expect(readFileSync(key, 'utf8')).toBe('local-1a2b3c4d:key\n');
    expect(readdirSync(dataDir)).toEqual(['codec-keys']);
  });

  it('is never written again, nor beside, once there: a second name a crash left of it is not reopened', () => {
    const dataDir = folder();
    const key = join(dataDir, 'codec-keys');
    expect(writeOnce(key, 'first\n', 0o600, disk())).toBe(true);
    linkSync(key, `${key}.${process.pid}.tmp`); // as a crash right after the link left it
    const opened: string[] = [];
    expect(writeOnce(key, 'second\n', 0o600, disk({}, opened))).toBe(false);
    expect(readFileSync(key, 'utf8')).toBe('first\n');
    expect(opened).toEqual([]); // not even beside: a read-only folder that holds the file serves
  });

  it('is written where no hard link can be made, whole, once, and removed again when the disk is full', () => {
    const dataDir = folder();
    const key = join(dataDir, 'codec-keys');
    expect(() => writeOnce(key, 'on a vfat stick\n', 0o600, disk({ link: 'EPERM', write: undefined }))).not.toThrow();
    expect(readFileSync(key, 'utf8')).toBe('on a vfat stick\n');
    expect(readdirSync(dataDir)).toEqual(['codec-keys']);
    expect(writeOnce(key, 'again\n', 0o600, disk({ link: 'EPERM' }))).toBe(false);

    const other = join(folder(), 'store-key');
    let writes = 0;
    const fullAfterBeside: Disk = {
      ...disk({ link: 'EPERM' }),
      write: (fd, data) => {
        if (++writes > 1) throw refused('ENOSPC'); // the file beside was written; the file itself is refused
        writeFileSync(fd, data);
      },
    };
    expect(() => writeOnce(other, 'k\n', 0o600, fullAfterBeside)).toThrow(/ENOSPC/);
    expect(readdirSync(join(other, '..'))).toEqual([]);
  });

  it('is refused by another error of the disk as it is, the file beside removed', () => {
    const dataDir = folder();
    const fd = openSync(join(dataDir, 'x'), 'w');
    closeSync(fd);
    expect(() => writeOnce(join(dataDir, 'k'), 'k\n', 0o600, disk({ link: 'EIO' }))).toThrow(/EIO/);
    expect(readdirSync(dataDir)).toEqual(['x']);
  });
});
