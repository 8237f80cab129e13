// The signup ledger on the stores' database (SQLite or PostgreSQL), beside the token store.
import type { SqlDatabase } from '../stores/sql.js';
import { signupRecordSchema, type SignupLedger, type SignupRecord } from './signup-record.js';

const schema = [
  `CREATE TABLE IF NOT EXISTS signups (
     code_hash TEXT PRIMARY KEY,
     waba_id TEXT NOT NULL,
     state TEXT NOT NULL,
     record TEXT NOT NULL,
     updated_at TEXT NOT NULL
   )`,
];

export class SqlSignupLedger implements SignupLedger {
  private constructor(private readonly db: SqlDatabase) {}

  static async open(db: SqlDatabase): Promise<SqlSignupLedger> {
    await db.migrate('signups', schema);
    return new SqlSignupLedger(db);
  }

  async claim(codeHash: string, record: SignupRecord): Promise<SignupRecord | null> {
    // One statement decides between two callers with the same code: the primary key lets one row in.
    const inserted = await this.db.run(
      `INSERT INTO signups (code_hash, waba_id, state, record, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (code_hash) DO NOTHING`,
      [codeHash, record.wabaId, record.state, JSON.stringify(record), record.updatedAt],
    );
    if (inserted > 0) return null;
    const [earlier] = await this.db.all<{ record: string }>('SELECT record FROM signups WHERE code_hash = ?', [
      codeHash,
    ]);
    if (!earlier) return this.claim(codeHash, record); // released in between: try again
    return signupRecordSchema.parse(JSON.parse(earlier.record));
  }

  async save(codeHash: string, record: SignupRecord): Promise<void> {
    await this.db.run('UPDATE signups SET state = ?, record = ?, updated_at = ? WHERE code_hash = ?', [
      record.state,
      JSON.stringify(record),
      record.updatedAt,
      codeHash,
    ]);
  }

  async replace(codeHash: string, seen: SignupRecord, record: SignupRecord): Promise<boolean> {
    const changed = await this.db.run(
      `UPDATE signups SET state = ?, record = ?, updated_at = ?
       WHERE code_hash = ? AND state = ? AND updated_at = ?`,
      [record.state, JSON.stringify(record), record.updatedAt, codeHash, seen.state, seen.updatedAt],
    );
    return changed > 0;
  }

  async release(codeHash: string): Promise<void> {
    await this.db.run('DELETE FROM signups WHERE code_hash = ?', [codeHash]);
  }
}
