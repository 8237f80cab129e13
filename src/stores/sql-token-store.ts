// The token store on SQL (SQLite or PostgreSQL): one row per WABA, the token sealed under the store key.
import { z } from 'zod';
import type { Sealer } from './sealed.js';
import type { SqlDatabase } from './sql.js';
import { tokenSources, type StoredToken, type TokenOrigin, type TokenStore } from './token-store.js';

const schema = [
  `CREATE TABLE IF NOT EXISTS waba_tokens (
     waba_id TEXT PRIMARY KEY,
     key_id TEXT NOT NULL,
     sealed TEXT NOT NULL,
     source TEXT NOT NULL,
     stored_by TEXT NOT NULL,
     stored_at TEXT NOT NULL
   )`,
];

const row = z.object({
  waba_id: z.string(),
  key_id: z.string(),
  source: z.enum(tokenSources),
  stored_by: z.string(),
  stored_at: z.string(),
});

/** The sealed token names its WABA, so a row copied onto another WABA does not open. */
const context = (wabaId: string) => `waba-token:${wabaId}`;

export class SqlTokenStore implements TokenStore {
  private constructor(
    private readonly db: SqlDatabase,
    private readonly sealer: Sealer,
  ) {}

  static async open(db: SqlDatabase, sealer: Sealer): Promise<SqlTokenStore> {
    await db.migrate('waba_tokens', schema);
    return new SqlTokenStore(db, sealer);
  }

  async get(wabaId: string): Promise<string | undefined> {
    const [found] = await this.db.all<{ key_id: string; sealed: string }>(
      'SELECT key_id, sealed FROM waba_tokens WHERE waba_id = ?',
      [wabaId],
    );
    if (!found) return undefined;
    return this.sealer.open(
      { keyId: found.key_id, data: found.sealed },
      context(wabaId),
      `the token of WABA ${wabaId}`,
    );
  }

  async put(wabaId: string, token: string, origin: TokenOrigin): Promise<void> {
    if (token.trim() === '') throw new TypeError('refusing to store an empty access token');
    const sealed = this.sealer.seal(token, context(wabaId));
    await this.db.run(
      `INSERT INTO waba_tokens (waba_id, key_id, sealed, source, stored_by, stored_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (waba_id) DO UPDATE SET key_id = excluded.key_id, sealed = excluded.sealed,
         source = excluded.source, stored_by = excluded.stored_by, stored_at = excluded.stored_at`,
      [wabaId, sealed.keyId, sealed.data, origin.source, origin.by, new Date().toISOString()],
    );
  }

  async delete(wabaId: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM waba_tokens WHERE waba_id = ?', [wabaId])) > 0;
  }

  async list(): Promise<StoredToken[]> {
    const rows = await this.db.all<unknown>(
      'SELECT waba_id, key_id, source, stored_by, stored_at FROM waba_tokens ORDER BY waba_id',
    );
    return rows.map((raw) => {
      const r = row.parse(raw);
      return { wabaId: r.waba_id, keyId: r.key_id, source: r.source, by: r.stored_by, storedAt: r.stored_at };
    });
  }
}
