// The embedded default's key files in the data folder: each made once, on first need, owner-only, and never made
// again once a folder holds what it wrote. A folder records the key files it made (`made-keys`, their names): one it
// lists and no longer holds was lost — restored from a backup, never silently replaced by a new key that could not
// read what the old one wrote. A folder from before the record has none; its key files are listed at its next start.
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { makeDir, ownerOnly, writeOnce } from '../make-dir.js';

/**
 * The data folder's record of the key files it made, one name a line (no key in it) — and of the dev server's
 * database once it served from it (../temporal/histories-file.ts): what must never be made anew without a word.
 */
export const MADE_KEYS_FILE = 'made-keys';

/** What the embedded default's payload and secrets keys encrypt: the dev server's histories. */
export const HISTORIES_FILE = 'temporal.sqlite';

/**
 * How a missing key file is refused: the files written with it (`usedBy`, or `holder`: what of the folder holds data
 * written with it, if any), and the setting that gives the key instead.
 */
export interface LostKeyCheck {
  usedBy?: readonly string[];
  holder?: (dataDir: string) => string | null;
  variable: string;
}

function madeKeys(dataDir: string): string[] {
  const file = join(dataDir, MADE_KEYS_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/**
 * A key file may be made only if the folder never made it and holds no data it would have encrypted (`usedBy`):
 * a new key could not read them, and what it wrote the old one could not.
 */
export function refuseNewKeyFile(dataDir: string, path: string, { usedBy = [], holder, variable }: LostKeyCheck): void {
  if (existsSync(path)) return;
  const usedFile = usedBy.find((name) => existsSync(join(dataDir, name)));
  const used = usedFile ?? holder?.(dataDir);
  const why = used
    ? `${join(dataDir, used)} holds what was written with it`
    : madeHere(dataDir, basename(path)) && `this data folder made it (${join(dataDir, MADE_KEYS_FILE)})`;
  if (!why) return;
  throw new Error(
    `${path} is missing, but ${why}: restore the key file from a backup (or give ${variable}); a new key could ` +
      'not read it. A new instance starts on an empty data folder.',
  );
}

/** Whether the folder recorded making the file `name`. */
export function madeHere(dataDir: string, name: string): boolean {
  return madeKeys(dataDir).includes(name);
}

/** The key file is in the folder: recorded as made there (once; two processes starting at once may both add it). */
export function recordKeyFile(dataDir: string, path: string): void {
  recordMade(dataDir, basename(path));
}

/** Records the file `name` as made in the folder, once. */
export function recordMade(dataDir: string, name: string): void {
  if (madeHere(dataDir, name)) return;
  try {
    appendFileSync(join(dataDir, MADE_KEYS_FILE), `${name}\n`, { mode: 0o600 });
  } catch {
    // A folder mounted read-only, its keys made elsewhere: nothing to record, and no reason to stop the start.
  }
}

/**
 * A key made on first start and kept in the data folder (gitignored) for later starts: its file's `id:base64`. A new
 * key's id is its kind and eight random hex digits (`local-3f9a0c1e`): another folder's key, restored beside this
 * folder's data by mistake, is then named as a key this folder does not hold instead of failing as a wrong key under
 * the same id — and both keys can be given at once to read both. A file made before keeps its id (`local-1`).
 */
export function localKeySpec(dataDir: string, file: string, kind: string, lost: LostKeyCheck): string {
  const path = join(dataDir, file);
  makeDir(dataDir, 0o700);
  refuseNewKeyFile(dataDir, path, lost);
  // Of two processes starting at once, one creates the key and the other reads it — never two keys.
  writeOnce(path, `${kind}-${randomBytes(4).toString('hex')}:${randomBytes(32).toString('base64')}\n`, 0o600);
  recordKeyFile(dataDir, path);
  ownerOnly([path]);
  return readFileSync(path, 'utf8').trim();
}
