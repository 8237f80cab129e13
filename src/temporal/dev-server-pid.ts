// Which process holds the embedded dev server: a pid file in the data folder, checked against /proc, so a server
// orphaned by a crash of `npm start` is recognised as ours (and reused), and a server of another data folder is not.
import { readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { isAlive, startTimeOf } from '../process-identity.js';

/** The pid file's name in the data folder. */
export const PID_FILE = 'temporal-server.pid';

const pidFileSchema = z.object({
  pid: z.number().int().positive(),
  dbFile: z.string().min(1),
  port: z.number().int(),
  uiPort: z.number().int(),
  /** The numberflow process that spawned it (a file from before has none), and when that process started. */
  owner: z.number().int().positive().optional(),
  ownerStartedAt: z.string().optional(),
});
export type PidRecord = z.infer<typeof pidFileSchema>;

export function writePidFile(file: string, record: PidRecord): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/** The record, or undefined when there is none or it cannot be read (treated like a stale one). */
export function readPidFile(file: string): PidRecord | undefined {
  try {
    const parsed = pidFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function removePidFile(file: string): void {
  rmSync(file, { force: true });
}

/** The process's argv, or undefined when it is gone or /proc cannot tell (not Linux). */
export function commandLineOf(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw ? raw.split('\0').filter((arg) => arg !== '') : undefined;
  } catch {
    return undefined;
  }
}

export { isAlive } from '../process-identity.js';

function argAfter(args: readonly string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
}

function isDevServer(args: readonly string[]): boolean {
  return basename(args[0] ?? '').startsWith('temporal') && args.includes('start-dev');
}

/** A Temporal dev server started with this SQLite file: ours, whoever spawned it. */
export function isOurServer(pid: number, dbFile: string): boolean {
  const args = commandLineOf(pid);
  return args !== undefined && isAlive(pid) && isDevServer(args) && argAfter(args, '--db-filename') === dbFile;
}

/** A dev server listening on this port (by its command line), for the refusal message; undefined if none is seen. */
export function devServerOnPort(port: number): { pid: number; dbFile?: string } | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    const args = commandLineOf(Number(entry));
    if (!args || !isDevServer(args)) continue;
    if (argAfter(args, '--port') === String(port) || argAfter(args, '--ui-port') === String(port)) {
      return { pid: Number(entry), dbFile: argAfter(args, '--db-filename') };
    }
  }
  return undefined;
}

/**
 * SIGINT (the server's clean stop), SIGKILL after `graceMs`; resolves once the process is gone. `first: 'SIGKILL'`
 * for a server whose clean stop would write where it must not.
 */
export async function stopProcess(pid: number, graceMs = 10_000, first: NodeJS.Signals = 'SIGINT'): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // Already gone.
    }
  };
  signal(first);
  const deadline = Date.now() + graceMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) signal('SIGKILL');
    await delay(50);
  }
}

/**
 * The numberflow process still running that spawned the server, when it is not this one: the server is in use, and
 * must not be taken over (or stopped on the way out). A pid now held by anything but a numberflow entry point (pids
 * are reused after a kill -9) is no owner.
 */
export function runningOwner(record: PidRecord): number | undefined {
  const { owner, ownerStartedAt } = record;
  if (owner === undefined || owner === process.pid || !isAlive(owner)) return undefined;
  // The same pid and the same start time: the same process (a reused pid started later).
  return ownerStartedAt !== undefined && startTimeOf(owner) === ownerStartedAt ? owner : undefined;
}

/** This process as a server's owner, for its pid file. */
export function thisOwner(): Pick<PidRecord, 'owner' | 'ownerStartedAt'> {
  return { owner: process.pid, ownerStartedAt: startTimeOf(process.pid) };
}
