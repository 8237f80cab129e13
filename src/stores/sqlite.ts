// SQLite through better-sqlite3: one file in the data folder, in WAL mode so `npm start` and a CLI command can use
// it at once (a writer waits for the other up to the busy timeout instead of failing).
import { chmodSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Statement } from 'better-sqlite3';
import { applySteps, type SqlDatabase, type SqlValue } from './sql.js';
import { makeDir } from '../make-dir.js';

const BUSY_TIMEOUT_MS = 5_000;

/**
 * The rows of a table in a SQLite file, read without opening it for writing (a file another process owns): 0 when the
 * table is not there yet. A missing file is an error (`fileMustExist`).
 */
export function rowsIn(file: string, table: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
    return exists ? (db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n : 0;
  } finally {
    db.close();
  }
}

/** How many Meta tokens a SQLite store file holds (0 without the file). */
export function storedTokensIn(file: string): number {
  return existsSync(file) ? rowsIn(file, 'waba_tokens') : 0;
}

export function openSqlite(file: string): SqlDatabase {
  makeDir(dirname(file), 0o700);
  const db = new Database(file);
  chmodSync(file, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  const statements = new Map<string, Statement<SqlValue[]>>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare<SqlValue[]>(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const all = <R>(sql: string, params: readonly SqlValue[] = []) =>
    Promise.resolve(prepared(sql).all(...params) as R[]);
  const run = (sql: string, params: readonly SqlValue[] = []) => Promise.resolve(prepared(sql).run(...params).changes);

  return {
    dialect: 'sqlite',
    location: file,
    all,
    run,
    async migrate(component, steps) {
      // IMMEDIATE takes the write lock at once: two processes opening the file together migrate one after the other.
      db.exec('BEGIN IMMEDIATE');
      try {
        await applySteps({ all, run }, component, steps);
        db.exec('COMMIT');
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      } finally {
        statements.clear(); // statements prepared before a schema change are stale
      }
    },
    close() {
      db.close();
      return Promise.resolve();
    },
  };
}
