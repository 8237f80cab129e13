import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * `mkdirSync(path, { recursive: true, mode })`, except where Node's own never returns: a folder that cannot be made
 * under a parent that exists (a path under /proc answers ENOENT to every mkdir, and Node's recursive mkdir retries
 * it for ever). The missing folders are made one by one, the first that cannot be made throwing its error.
 */
export function makeDir(path: string, mode?: number): void {
  const missing: string[] = [];
  for (let at = resolve(path); !existsSync(at); at = dirname(at)) {
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir, { mode });
    } catch (err) {
      // Another process made it meanwhile: as good as made here.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  mkdirSync(path, { recursive: true, mode }); // all there now: a no-op, or EEXIST for a file of that name
}

/**
 * The files made readable to the owner only, whatever mode they came back with (a restore by a tool that keeps no
 * modes, a copy by another user, an earlier version): keys and secrets beside the data they protect.
 */
export function ownerOnly(files: readonly string[]): void {
  for (const file of files) {
    try {
      if (existsSync(file)) chmodSync(file, 0o600);
    } catch {
      // Another user's file (made by root in a container, say): the start goes on; the folder is 0700.
    }
  }
}

/**
 * Writes a file that is never replaced (a key, a secret, a token file) whole or not at all, on the disk before it is
 * used: written beside, synced, then linked into place — a full disk leaves nothing half-made behind (an empty key
 * file stopped every later start), and a crash right after a first start cannot leave an empty key beside histories
 * already synced. False when the file was there already (of two processes starting at once, one writes it): then
 * nothing is written at all, so a read-only folder that holds it serves.
 */
export function writeOnce(path: string, data: string, mode: number, disk: Disk = nodeDisk): boolean {
  if (existsSync(path)) return false;
  // A name no other start uses: one left by a crash (a second name of a file linked into place) is never reopened.
  const beside = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeSynced(disk, beside, data, mode);
    try {
      disk.link(beside, path); // fails if the file is there: never replaced
    } catch (err) {
      const { code } = err as NodeJS.ErrnoException;
      if (code === 'EEXIST') return false;
      if (!NO_HARD_LINKS.has(code ?? '')) throw err;
      return writeWithoutLink(path, data, mode, disk); // a filesystem without hard links (vfat, some FUSE or SMB)
    }
    syncFolder(dirname(path));
    return true;
  } finally {
    rmSync(beside, { force: true });
  }
}

const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/** The calls writeOnce makes that a disk may refuse (a full one, one without hard links): the tests' seam. */
export interface Disk {
  open(path: string, flags: string, mode: number): number;
  write(fd: number, data: string): void;
  link(existing: string, name: string): void;
}

const nodeDisk: Disk = {
  open: (path, flags, mode) => openSync(path, flags, mode),
  write: (fd, data) => writeFileSync(fd, data),
  link: (existing, name) => linkSync(existing, name),
};

/** Where no hard link can be made: created exclusively and synced, removed again if the write fails. */
function writeWithoutLink(path: string, data: string, mode: number, disk: Disk): boolean {
  try {
    writeSynced(disk, path, data, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false; // another's, made meanwhile: left as it is
    rmSync(path, { force: true });
    throw err;
  }
  syncFolder(dirname(path));
  return true;
}

/** A new file (created exclusively), written whole (short writes looped) and synced before it is closed. */
function writeSynced(disk: Disk, path: string, data: string, mode: number): void {
  const fd = disk.open(path, 'wx', mode);
  try {
    disk.write(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A file's text, or null when it cannot be read (absent, or not ours to read). */
export function readIfAny(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The folder's entries on the disk (a new file's name with it); where a folder cannot be opened, left to the OS. */
function syncFolder(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every platform opens a folder for syncing.
  }
}
