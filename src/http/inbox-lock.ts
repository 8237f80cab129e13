// One process per webhook inbox: a lock file beside it, created exclusively ('wx') and holding the owner's pid. Two
// processes draining one file would route the same rows and delete each other's. A lock whose process is gone (a
// crash, a kill) is taken over.
import { openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';

export class InboxLock {
  private constructor(private readonly path: string) {}

  static take(file: string): InboxLock {
    const path = `${file}.lock`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        try {
          writeSync(fd, `${process.pid}\n`);
        } finally {
          closeSync(fd);
        }
        return new InboxLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = ownerOf(path);
      if (owner !== null && isAlive(owner))
        throw new Error(
          `the webhook inbox in ${dirname(file)} is in use by process ${owner} (lock ${path}): ` +
            'one process per data folder — give the other its own NUMBERFLOW_DATA_DIR',
        );
      unlinkSync(path); // left by a process that is gone
    }
    throw new Error(`the webhook inbox's lock ${path} could not be taken`);
  }

  release(): void {
    try {
      if (ownerOf(this.path) === process.pid) unlinkSync(this.path);
    } catch {
      // gone already
    }
  }
}

function ownerOf(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}
