// One process per file or folder (a webhook inbox, a sandbox's state): a lock file created exclusively ('wx'), holding
// the owner's pid, its start time and the folder it was taken in. Two processes on one would overwrite each other's
// work. A lock whose process is gone (a crash, a kill) is taken over — also when its pid is alive as another process: a
// container started again gets the same small pid, and found its own pid in the lock left by the one killed before it
// (refused for good). So is a lock taken in another folder: one copied with its folder (a backup restored beside the
// running original) holds nothing here.
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, realpathSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { isAlive, startTimeOf } from './process-identity.js';

interface Owner {
  pid: number;
  /** Absent from a lock written before it was kept. */
  startedAt?: string;
  /** The folder it was taken in, as the file system names it (symlinks resolved); absent from older locks. */
  folder?: string;
}

export class ProcessLock {
  private constructor(
    private readonly path: string,
    /** What this lock wrote: only that is removed on release. */
    private readonly written: string,
  ) {}

  /** Takes `path`, or throws `inUse(pid)`'s words when a live process holds it. */
  static take(path: string, inUse: (pid: number) => string): ProcessLock {
    const folder = realpathSync(dirname(path));
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        // A random tail: a release removes this take's lock, never a later one of the same process.
        const take = randomBytes(4).toString('hex');
        const written = `${process.pid} ${startTimeOf(process.pid) ?? '-'} ${encodeURIComponent(folder)} ${take}\n`;
        try {
          writeSync(fd, written);
        } finally {
          closeSync(fd);
        }
        return new ProcessLock(path, written);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = ownerOf(path);
      if (owner !== null && holds(owner, folder)) throw new Error(inUse(owner.pid));
      unlinkSync(path); // left by a process that is gone, or copied from another folder
    }
    throw new Error(`the lock ${path} could not be taken`);
  }

  release(): void {
    try {
      if (readFileSync(this.path, 'utf8') === this.written) unlinkSync(this.path);
    } catch {
      // gone already
    }
  }
}

/**
 * Whether the lock's process still runs here: taken in this folder, its pid alive with the start time it wrote. A
 * live pid whose start time cannot be read (no /proc) holds it. A lock from before start times were written names a
 * live process by its pid alone, unless that pid is this process's (which writes both where it can read them).
 */
function holds(owner: Owner, folder: string): boolean {
  if (owner.folder !== undefined && owner.folder !== folder) return false;
  if (!isAlive(owner.pid)) return false;
  const startedAt = startTimeOf(owner.pid);
  if (startedAt === undefined) return true;
  if (owner.startedAt === undefined) return owner.pid !== process.pid;
  return startedAt === owner.startedAt;
}

function ownerOf(path: string): Owner | null {
  try {
    const [pidText, startedAt, folder] = readFileSync(path, 'utf8').trim().split(/\s+/);
    const pid = Number(pidText);
    if (!Number.isInteger(pid) || pid <= 0) return null;
    return {
      pid,
      ...(startedAt && startedAt !== '-' ? { startedAt } : {}),
      ...(folder ? { folder: decodeURIComponent(folder) } : {}),
    };
  } catch {
    return null;
  }
}
