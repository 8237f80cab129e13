// A persisted sandbox holds its state folder: two on one folder would each write their whole state over the other's
// (numbers, codes and tokens of one lost at the other's next write). The second is refused, naming the first.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { isAlive, startTimeOf } from '../process-identity.js';

const LOCK_FILE = 'sandbox.lock';

/** The holder, and the folder it held: a lock copied with the folder (a backup restored beside it) holds nothing. */
const holderSchema = z.object({ pid: z.number().int().positive(), startedAt: z.string().optional(), dir: z.string() });

/** Another live sandbox's pid holding `dir`, or undefined (none, gone, this process, or a copy's). */
function liveHolder(dir: string, file: string): number | undefined {
  let holder: z.infer<typeof holderSchema>;
  try {
    const parsed = holderSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) return undefined;
    holder = parsed.data;
  } catch {
    return undefined; // none, or unreadable: taken as stale
  }
  if (holder.dir !== dir || holder.pid === process.pid || !isAlive(holder.pid)) return undefined;
  // The same pid started later is another process (pids are reused): the lock is stale.
  return holder.startedAt === undefined || startTimeOf(holder.pid) === holder.startedAt ? holder.pid : undefined;
}

/** Holds `dir` for this process; throws when another sandbox holds it. Answers the release. */
export function holdStateFolder(folder: string): () => void {
  const dir = resolve(folder);
  const file = join(dir, LOCK_FILE);
  const holder = liveHolder(dir, file);
  if (holder !== undefined) {
    throw new Error(
      `another sandbox (pid ${holder}) keeps its state in ${dir}: stop it, or give this one a folder of its own (SANDBOX_STATE_DIR; npm start's is its data folder)`,
    );
  }
  const record = { pid: process.pid, startedAt: startTimeOf(process.pid), dir };
  writeFileSync(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  return () => {
    if (liveHolder(dir, file) === undefined) rmSync(file, { force: true });
  };
}
