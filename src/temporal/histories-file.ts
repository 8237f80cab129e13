// The embedded dev server's SQLite file holds every journey. A data folder whose server once served from it records
// so (`made-keys`, ../codec/key-files.ts): a start that finds it gone stops instead of starting a server on an empty
// file — a restore that left it out would otherwise lose every journey without a word. And a restore that replaced it
// under a server left running would be served by nobody: that server keeps writing to the file it opened, now
// unlinked, and a rollback journal or write-ahead files it left beside the restored one would be applied to it at
// the next open.
import { existsSync, readdirSync, readlinkSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
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
 * its server served) is only told about.
 */
export function refuseLostHistories(dataDir: string, notice: (message: string) => void): void {
  if (existsSync(join(dataDir, HISTORIES_FILE))) return;
  if (madeHere(dataDir, HISTORIES_FILE)) {
    throw new Error(
      `${join(dataDir, HISTORIES_FILE)} is missing, but this data folder's Temporal dev server served every journey ` +
        `from it (${join(dataDir, MADE_KEYS_FILE)}): restore it from a backup, copied while npm start was stopped. ` +
        `To start this folder with no journeys on purpose, take the line ${HISTORIES_FILE} out of ${MADE_KEYS_FILE}.`,
    );
  }
  if (existsSync(join(dataDir, CODEC_KEYS_FILE))) {
    notice(
      `${join(dataDir, HISTORIES_FILE)} is not in this data folder, which holds payload keys: the dev server starts ` +
        'with no journeys (if this folder had journeys, stop now and restore the file from a backup)',
    );
  }
}

/** The inode of each file `pid` holds open under `path` (/proc; empty where it cannot be read). */
function openInodes(pid: number, path: string): number[] {
  const fdDir = `/proc/${pid}/fd`;
  let fds: string[];
  try {
    fds = readdirSync(fdDir);
  } catch {
    return [];
  }
  const inodes: number[] = [];
  for (const fd of fds) {
    try {
      const target = readlinkSync(join(fdDir, fd));
      if (target === path || target === `${path} (deleted)`) inodes.push(statSync(join(fdDir, fd)).ino);
    } catch {
      // Closed meanwhile.
    }
  }
  return inodes;
}

function inodeOf(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

/**
 * Whether the server `pid` serves a `dbFile` that is no longer the one in the folder (replaced or removed since it
 * opened it), with the files beside it that it holds: those belong to the file it serves, not to the one there now.
 * Undefined when it serves the file in the folder, or /proc cannot tell.
 */
export function replacedUnder(pid: number, dbFile: string): { held: string[] } | undefined {
  const served = openInodes(pid, dbFile);
  if (served.length === 0 || served.includes(inodeOf(dbFile) ?? -1)) return undefined;
  return { held: besideFiles(dbFile).filter((file) => openInodes(pid, file).includes(inodeOf(file) ?? -1)) };
}

/**
 * Once that server is gone: the files beside `dbFile` that are its own — those it held, and a rollback journal (it
 * opens one only while a transaction is, so one left now is its own, cut short by the kill).
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
