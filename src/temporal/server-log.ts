// The embedded dev server's log in the data folder: moved aside once long, and read for why a server ended before
// it served.
import { readFileSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { HISTORIES_FILE, madeHere } from '../codec/key-files.js';

/** Past this, a start moves the server's log to `<log>.1` (the one there before goes): a log a year long is no use. */
export const LOG_ROTATED_AT_BYTES = 10 * 2 ** 20;

/** A file's size, 0 when there is none. */
export function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The log moved aside once it has grown past `atBytes`, before a new server appends to it; true when it was. */
export function rotateLog(logFile: string, atBytes = LOG_ROTATED_AT_BYTES): boolean {
  try {
    if (statSync(logFile).size < atBytes) return false;
    renameSync(logFile, `${logFile}.1`);
    return true;
  } catch {
    return false; // none yet
  }
}

/**
 * A server that finds no tables in its SQLite file made it on a start cut short (a full disk): said, with what to do
 * about it, as this folder's record tells whether the file ever served journeys.
 */
export function withoutSchema(log: { file: string; from: number }): string {
  let written: string;
  try {
    written = readFileSync(log.file).subarray(log.from).toString('utf8'); // this start's server's lines only
  } catch {
    return '';
  }
  if (!/no such table/.test(written)) return '';
  const dataDir = dirname(log.file);
  return madeHere(dataDir, HISTORIES_FILE)
    ? `; its ${HISTORIES_FILE} has lost its tables: restore it from a backup`
    : `; its ${HISTORIES_FILE} holds no tables (a first start cut short, by a full disk say) and never served ` +
        'journeys: delete it, then start again';
}
