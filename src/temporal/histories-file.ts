// The embedded dev server's SQLite file holds every journey. A data folder whose server once served from it records
// so (`made-keys`, ../codec/key-files.ts): a start that finds it gone stops instead of starting a server on an empty
// file — a restore that left it out would otherwise lose every journey without a word. And a restore that replaced it
// under a server left running would be served by nobody: that server keeps writing to the file it opened, now
// unlinked, and a rollback journal or write-ahead files it left beside the restored one would be applied to it at
// the next open.
import { existsSync, readdirSync, readlinkSync, realpathSync, renameSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PID_FILE, readPidFile } from './dev-server-pid.js';
import { CODEC_KEYS_FILE } from '../codec/keys.js';
import { HISTORIES_FILE, MADE_KEYS_FILE, madeHere } from '../codec/key-files.js';

/**
 * The files SQLite keeps beside the dev server's file: a rollback journal while a transaction is open (the dev
 * server's mode), write-ahead files in WAL mode. Each belongs to the file it was written beside.
 */
export const besideFiles = (dbFile: string) => [`${dbFile}-journal`, `${dbFile}-wal`, `${dbFile}-shm`];

/**
 * Before a start makes its keys and server: a folder whose server served from `temporal.sqlite` and lost it is
 * refused; one that holds payload keys but no record (a folder from before it, or a first start that stopped before
 * its server served) is only told about. A file removed under a server left running is refused either way: that
 * server holds the only copy.
 */
export function refuseLostHistories(dataDir: string, notice: (message: string) => void): void {
  const dbFile = join(dataDir, HISTORIES_FILE);
  if (existsSync(dbFile)) return;
  refuseIfOnlyHeld(dbFile, readPidFile(join(dataDir, PID_FILE))?.pid);
  if (madeHere(dataDir, HISTORIES_FILE)) {
    throw new Error(
      `${dbFile} is missing, but this data folder's Temporal dev server served every journey ` +
        `from it (${join(dataDir, MADE_KEYS_FILE)}): restore it from a backup, copied while npm start was stopped. ` +
        `To start this folder with no journeys on purpose, take the line ${HISTORIES_FILE} out of ${MADE_KEYS_FILE}.`,
    );
  }
  if (existsSync(join(dataDir, CODEC_KEYS_FILE))) {
    notice(
      `${dbFile} is not in this data folder, which holds payload keys: the dev server starts ` +
        'with no journeys (if this folder had journeys, stop now and restore the file from a backup)',
    );
  }
}

/** `dbFile` is gone from the folder while the server `pid` still holds it open: its only copy, to be copied back. */
export function refuseIfOnlyHeld(dbFile: string, pid: number | undefined): void {
  if (pid === undefined || existsSync(dbFile)) return;
  const [held] = openFiles(pid, dbFile);
  if (!held) return;
  throw new Error(
    `${dbFile} is missing, but the Temporal dev server left running by an earlier start (pid ${pid}) still holds it ` +
      `open, its only copy: copy it back (cp /proc/${pid}/fd/${held.fd} ${dbFile}) and start again — that server ` +
      'is then stopped, and a new one serves the copy',
  );
}

/** The files `pid` holds open under `path` (through a symlinked folder too), by descriptor; empty without /proc. */
function openFiles(pid: number, path: string): { fd: string; inode: number }[] {
  const fdDir = `/proc/${pid}/fd`;
  let fds: string[];
  try {
    fds = readdirSync(fdDir);
  } catch {
    return [];
  }
  // /proc names a file by its real path: a data folder reached through a symlink is named otherwise.
  const names = new Set([path, realPathOf(path)].flatMap((name) => [name, `${name} (deleted)`]));
  const held: { fd: string; inode: number }[] = [];
  for (const fd of fds) {
    try {
      if (names.has(readlinkSync(join(fdDir, fd)))) held.push({ fd, inode: statSync(join(fdDir, fd)).ino });
    } catch {
      // Closed meanwhile.
    }
  }
  return held;
}

/** `path` with its folder's symlinks resolved (the file itself may be gone). */
function realPathOf(path: string): string {
  try {
    return join(realpathSync(dirname(path)), basename(path));
  } catch {
    return path;
  }
}

function inodeOf(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

/**
 * Whether the server `pid` serves a `dbFile` that is no longer the one in the folder (replaced since it opened it),
 * with the files beside it that it holds: those belong to the file it serves, not to the one there now. Undefined
 * when it serves the file in the folder, or /proc cannot tell.
 */
export function replacedUnder(pid: number, dbFile: string): { held: string[] } | undefined {
  const served = openFiles(pid, dbFile).map((file) => file.inode);
  if (served.length === 0 || served.includes(inodeOf(dbFile) ?? -1)) return undefined;
  const heldHere = (file: string) => openFiles(pid, file).some(({ inode }) => inode === inodeOf(file));
  return { held: besideFiles(dbFile).filter(heldHere) };
}

/**
 * Once that server is stopped (SIGSTOP): the files beside `dbFile` that are its own — those it held, and a rollback
 * journal (it has one only while a transaction is open, so one there now is its own).
 */
export function staleBeside(dbFile: string, held: readonly string[]): string[] {
  return besideFiles(dbFile).filter((file) => held.includes(file) || (file.endsWith('-journal') && existsSync(file)));
}

/** Moves stale files aside (kept, not deleted: they hold the replaced file's last writes). */
export function setAside(files: readonly string[], at = new Date()): string[] {
  const suffix = `.replaced-${at.toISOString().replace(/[:.]/g, '-')}`;
  return files.map((file) => {
    renameSync(file, `${file}${suffix}`);
    return `${file}${suffix}`;
  });
}
