// How the entry points run: a repeated Ctrl-C does not cut their stop short (stop-signals.ts); on an error, the
// reason on stderr, exit code 1. A Temporal runtime whose worker failed to start may keep native handles open; an
// unref'd timer ends the process if they do not let go in time.
import { dirname } from 'node:path';
import { readIfAny } from './make-dir.js';
import { holdStopSignals } from './stop-signals.js';

export function runMain(main: () => Promise<void>, describe: (err: unknown) => string = defaultDescription): void {
  const signals = holdStopSignals({ warn: (message: string) => console.error(`numberflow: ${message}`) });
  const fewFiles = lowOpenFilesLimit();
  if (fewFiles) console.error(`numberflow: ${fewFiles}`);
  main()
    .finally(() => signals.ended())
    .then(
      () => {
        // Everything was stopped: a handle something left open (a socket a library keeps) must not hold the process.
        setTimeout(() => {
          const kept = [...new Set(process.getActiveResourcesInfo())].join(', ');
          console.error(`numberflow: stopped, but ${kept || 'something'} kept the process alive: exiting`);
          process.exit();
        }, 10_000).unref();
      },
      (err: unknown) => {
        console.error(describe(err));
        process.exitCode = 1;
        setTimeout(() => process.exit(1), 5_000).unref();
      },
    );
}

export function defaultDescription(err: unknown): string {
  return `numberflow: ${err instanceof Error ? err.message : String(err)}${unwritableHint(err)}${exhaustedHint(err)}`;
}

/** Below this many open files, a loaded process fails (sockets to Temporal and Meta, SQLite, the workflow bundle). */
export const OPEN_FILES_NEEDED = 1024;

/**
 * A warning when the process may open fewer files than it needs (Linux: /proc/self/limits), else null. Node raises
 * its soft limit to the hard one as it starts: what is read is the hard limit, which only its parent can raise.
 */
export function lowOpenFilesLimit(limits = readIfAny('/proc/self/limits')): string | null {
  const soft = openFilesLimit(limits);
  if (soft === undefined || Number(soft) >= OPEN_FILES_NEEDED) return null;
  return (
    `this process may open ${soft} files at most: under load numberflow holds hundreds (connections, databases, ` +
    `the workflow bundle) and fails without one more; raise the hard limit to ${OPEN_FILES_NEEDED * 4} or more ` +
    '(ulimit -Hn in the shell that starts it, LimitNOFILE in a systemd unit, --ulimit nofile= for a container)'
  );
}

/** What a failure for want of files or disk space says to do about it. */
export function exhaustedHint(err: unknown): string {
  const { code, path } = (err ?? {}) as NodeJS.ErrnoException;
  if (code === 'EMFILE' || code === 'ENFILE') {
    const limit = openFilesLimit();
    return (
      `; the process ran out of open files${limit ? ` (its limit: ${limit})` : ''}: raise the hard limit ` +
      `(${OPEN_FILES_NEEDED * 4} or more), or, if it is that high already, something holds files it should not`
    );
  }
  // The file named may be one written beside and removed again: its folder is what is full.
  if (code === 'ENOSPC' || code === 'SQLITE_FULL')
    return `; the disk${typeof path === 'string' ? ` under ${dirname(path)}` : ''} is full: free space, then start again`;
  return '';
}

/** The open-files limit in force, as /proc/self/limits says it (Linux), or undefined. */
function openFilesLimit(limits = readIfAny('/proc/self/limits')): string | undefined {
  return /^Max open files\s+(\d+)/m.exec(limits ?? '')?.[1];
}

/**
 * A process given no folder it may write (a container's read-only or root-owned working folder) fails on the data
 * folder's first file: the hint names what keeps it out of that folder.
 */
export function unwritableHint(err: unknown): string {
  const { code, path, syscall } = (err ?? {}) as NodeJS.ErrnoException;
  // A file where the data folder (or a folder in it) should be: mkdir says only "file already exists".
  if (code === 'EEXIST' && syscall === 'mkdir' && typeof path === 'string')
    return `; "${path}" is a file, not a folder: point NUMBERFLOW_DATA_DIR at a folder (or where one can be made)`;
  // Its parent is there and still no folder can be made in it (a system folder such as /proc).
  if (code === 'ENOENT' && syscall === 'mkdir' && typeof path === 'string')
    return `; no folder can be made at "${path}": point NUMBERFLOW_DATA_DIR at a folder (or where one can be made)`;
  // A file the process may not write (a port it may not listen on is no folder's business), or SQLite's own words.
  // ENOTDIR: a data folder under a file.
  const denied =
    (code === 'EACCES' || code === 'EROFS' || code === 'EPERM' || code === 'ENOTDIR') && typeof path === 'string';
  if (!denied && code !== 'SQLITE_CANTOPEN' && code !== 'SQLITE_READONLY') return '';
  return (
    '; numberflow writes its data folder (NUMBERFLOW_DATA_DIR) for what is not configured otherwise: the store ' +
    '(NUMBERFLOW_DATABASE_URL), its key (NUMBERFLOW_STORE_KEY), the payload keys (NUMBERFLOW_CODEC_KEYS), the ' +
    "secrets key (NUMBERFLOW_SECRETS_KEY), the service's webhook inbox: give the process a folder it can write, " +
    'or configure these (README: Going to production)'
  );
}

/** Something started, stopped on the way out. */
export type Stop = () => Promise<void>;

/** Runs `work`, then whatever it started, stopped in reverse order, also when `work` failed half-way. */
export async function withStops(work: (stops: Stop[]) => Promise<void>): Promise<void> {
  const stops: Stop[] = [];
  try {
    await work(stops);
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}
