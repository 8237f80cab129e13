// One process per webhook inbox: a lock file beside it, created exclusively ('wx') and holding the owner's pid and
// start time. Two processes draining one file would route the same rows and delete each other's. A lock whose process
// is gone (a crash, a kill) is taken over — also when its pid is alive as another process: a container started again
// gets the same small pid, and found its own pid in the lock left by the one killed before it (refused for good).
import { openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import { isAlive, startTimeOf } from '../process-identity.js';

interface Owner {
  pid: number;
  /** Absent from a lock written before it was kept. */
  startedAt?: string;
}

export class InboxLock {
  private constructor(
    private readonly path: string,
    /** What this lock wrote: only that is removed on release. */
    private readonly written: string,
  ) {}

  static take(file: string): InboxLock {
    const path = `${file}.lock`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        const written = `${process.pid} ${startTimeOf(process.pid) ?? ''}\n`;
        try {
          writeSync(fd, written);
        } finally {
          closeSync(fd);
        }
        return new InboxLock(path, written);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = ownerOf(path);
      if (owner !== null && holds(owner))
        throw new Error(
          `the webhook inbox in ${dirname(file)} is in use by process ${owner.pid} (lock ${path}): ` +
            'one process per data folder — give the other its own NUMBERFLOW_DATA_DIR',
        );
      unlinkSync(path); // left by a process that is gone
    }
    throw new Error(`the webhook inbox's lock ${path} could not be taken`);
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
 * Whether the lock's process still runs: its pid alive with the start time it wrote. A live pid whose start time
 * cannot be read (no /proc) holds it. A lock from before start times were written names a live process by its pid
 * alone, unless that pid is this process's (which writes both where it can read them).
 */
function holds(owner: Owner): boolean {
  if (!isAlive(owner.pid)) return false;
  const startedAt = startTimeOf(owner.pid);
  if (startedAt === undefined) return true;
  if (owner.startedAt === undefined) return owner.pid !== process.pid;
  return startedAt === owner.startedAt;
}

function ownerOf(path: string): Owner | null {
  try {
    const [pidText, startedAt] = readFileSync(path, 'utf8').trim().split(/\s+/);
    const pid = Number(pidText);
    if (!Number.isInteger(pid) || pid <= 0) return null;
    return startedAt ? { pid, startedAt } : { pid };
  } catch {
    return null;
  }
}
