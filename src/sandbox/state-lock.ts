// A persisted sandbox holds its state folder: two on one folder would each write their whole state over the other's
// (numbers, codes and tokens of one lost at the other's next write). The second is refused, naming the first.
import { join } from 'node:path';
import { makeDir } from '../make-dir.js';
import { ProcessLock } from '../process-lock.js';

/** Holds `dir` for this process (taken before its state is read); throws when another sandbox holds it. */
export function holdStateFolder(dir: string): ProcessLock {
  makeDir(dir);
  return ProcessLock.take(
    join(dir, 'sandbox.lock'),
    (pid) =>
      `another sandbox (pid ${pid}) keeps its state in ${dir}: stop it, or give this one a folder of its own (SANDBOX_STATE_DIR; npm start's is its data folder)`,
  );
}
