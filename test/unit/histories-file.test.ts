// The dev server's SQLite file: a folder that served from it and lost it stops the start; a file replaced under a
// process that holds it open is seen, with the files beside it that belong to the replaced one.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MADE_KEYS_FILE, recordMade } from '../../src/codec/key-files.js';
import { writePidFile } from '../../src/temporal/dev-server-pid.js';
import {
  refuseIfOnlyHeld,
  refuseLostHistories,
  replacedUnder,
  setAside,
  staleBeside,
} from '../../src/temporal/histories-file.js';
import { tempDir } from '../support/processes.js';

const holders: number[] = [];
afterEach(() => {
  for (const pid of holders.splice(0)) process.kill(pid, 'SIGKILL');
});

/** A process holding `files` open (as a dev server holds its SQLite file and write-ahead files), until killed. */
async function holding(files: readonly string[]): Promise<number> {
  const script = `const fs = require('node:fs'); ${JSON.stringify(files)}.forEach((f) => fs.openSync(f, 'r+')); console.log('open'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((opened) => child.stdout.once('data', opened));
  holders.push(child.pid as number);
  return child.pid as number;
}

/** What `act` throws. */
function captured(act: () => void): unknown {
  try {
    act();
  } catch (err) {
    return err instanceof Error ? err.message : err;
  }
  return undefined;
}

describe("the dev server's SQLite file", () => {
  it('once served from, is required at every start after; a folder with keys and no record is only told about', () => {
    const dataDir = tempDir('histories');
    const notices: string[] = [];
    refuseLostHistories(dataDir, (message) => notices.push(message)); // a fresh folder
    writeFileSync(join(dataDir, 'codec-keys'), 'local-1:x\n');
    refuseLostHistories(dataDir, (message) => notices.push(message)); // keys, no record: from before it, or a first start cut short
    expect(notices).toEqual([
      `${join(dataDir, 'temporal.sqlite')} is not in this data folder, which holds payload keys: the dev server starts with no journeys (if this folder had journeys, stop now and restore the file from a backup)`,
    ]);

    writeFileSync(join(dataDir, 'temporal.sqlite'), '');
    recordMade(dataDir, 'temporal.sqlite');
    recordMade(dataDir, 'temporal.sqlite');
    expect(readFileSync(join(dataDir, MADE_KEYS_FILE), 'utf8')).toBe('temporal.sqlite\n');
    refuseLostHistories(dataDir, (message) => notices.push(message));
    renameSync(join(dataDir, 'temporal.sqlite'), join(dataDir, 'elsewhere'));
    expect(() => refuseLostHistories(dataDir, (message) => notices.push(message))).toThrow(
      `${join(dataDir, 'temporal.sqlite')} is missing, but this data folder's Temporal dev server served every journey from it (${join(dataDir, MADE_KEYS_FILE)}): restore it from a backup, copied while npm start was stopped. To start this folder with no journeys on purpose, take the line temporal.sqlite out of made-keys.`,
    );
    expect(notices).toHaveLength(1);
  });

  it('replaced under a process that holds it is seen, with the files beside it that are still its own', async () => {
    const dataDir = tempDir('histories');
    const db = join(dataDir, 'temporal.sqlite');
    for (const file of [db, `${db}-wal`, `${db}-shm`]) writeFileSync(file, 'served');
    const pid = await holding([db, `${db}-wal`, `${db}-shm`]);
    expect(replacedUnder(pid, db)).toBeUndefined(); // serves the file in the folder

    writeFileSync(join(dataDir, 'restored'), 'backed up');
    renameSync(join(dataDir, 'restored'), db); // as rsync or mv put a backup back
    writeFileSync(join(dataDir, 'restored-shm'), 'backed up');
    renameSync(join(dataDir, 'restored-shm'), `${db}-shm`); // a hot backup's own, kept
    expect(replacedUnder(pid, db)).toEqual({ held: [`${db}-wal`] });
    expect(staleBeside(db, [`${db}-wal`])).toEqual([`${db}-wal`]);
    writeFileSync(`${db}-journal`, 'cut short'); // a transaction of the server's, cut short by its kill
    expect(staleBeside(db, [`${db}-wal`])).toEqual([`${db}-journal`, `${db}-wal`]);

    const moved = setAside([`${db}-wal`], new Date('2026-12-06T21:30:00.000Z'));
    expect(moved).toEqual([`${db}-wal.replaced-2026-12-06T21-30-00-000Z`]);
    expect(readFileSync(moved[0] as string, 'utf8')).toBe('served');
    expect(existsSync(`${db}-wal`)).toBe(false);
    expect(readFileSync(`${db}-shm`, 'utf8')).toBe('backed up');
  });

  it('removed under a process that holds it is refused, saying how to copy it back; a process that holds none of it says nothing', async () => {
    const dataDir = tempDir('histories');
    const db = join(dataDir, 'temporal.sqlite');
    writeFileSync(db, 'served');
    const pid = await holding([db]);
    writePidFile(join(dataDir, 'temporal-server.pid'), { pid, dbFile: db, port: 1, uiPort: 2 });
    rmSync(db);
    const onlyCopy = new RegExp(
      `^${db} is missing, but the Temporal dev server left running by an earlier start \\(pid ${pid}\\) still holds it open, its only copy: copy it back \\(cp /proc/${pid}/fd/(\\d+) ${db}\\) and start again — that server is then stopped, and a new one serves the copy$`,
    );
    // Recorded or not (a folder from before the record), never started over.
    expect(() => refuseLostHistories(dataDir, () => undefined)).toThrow(onlyCopy);
    expect(() => refuseIfOnlyHeld(db, pid)).toThrow(onlyCopy);
    const fd = onlyCopy.exec(String(captured(() => refuseIfOnlyHeld(db, pid))))?.[1];
    copyFileSync(`/proc/${pid}/fd/${fd}`, db); // as the message says
    expect(readFileSync(db, 'utf8')).toBe('served');
    expect(replacedUnder(pid, db)).toEqual({ held: [] }); // a copy: served anew at the next start
    expect(replacedUnder(process.pid, db)).toBeUndefined();
  });

  it('is seen through a data folder reached by a symlink, as /proc names it by its real path', async () => {
    const real = tempDir('histories');
    const linked = `${real}-link`;
    symlinkSync(real, linked);
    const db = join(linked, 'temporal.sqlite');
    writeFileSync(db, 'served');
    const pid = await holding([db]);
    expect(replacedUnder(pid, db)).toBeUndefined();
    writeFileSync(join(linked, 'restored'), 'backed up');
    renameSync(join(linked, 'restored'), db);
    expect(replacedUnder(pid, db)).toEqual({ held: [] });
  });
});
