// The token store on SQL (SQLite or PostgreSQL): one row per WABA, the token sealed under the store key.
import { z } from 'zod';
import { StoreKeyError, type Sealer } from './sealed.js';
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

  /**
   * The store key against the stored tokens, one token per key id they name: the ids whose token opened, and per
   * other id why not (a key not held, or another key under that id), with how many tokens name it.
   */
  async keyCheck(): Promise<{ opened: string[]; unopened: { keyId: string; tokens: number; why: StoreKeyError }[] }> {
    const ids = await this.db.all<{ key_id: string; tokens: number | string; waba_id: string }>(
      'SELECT key_id, COUNT(*) AS tokens, MIN(waba_id) AS waba_id FROM waba_tokens GROUP BY key_id ORDER BY key_id',
    );
    const opened: string[] = [];
    const unopened: { keyId: string; tokens: number; why: StoreKeyError }[] = [];
    for (const id of ids) {
      try {
        await this.get(id.waba_id);
        opened.push(id.key_id);
      } catch (err) {
        if (!(err instanceof StoreKeyError)) throw err;
        unopened.push({ keyId: id.key_id, tokens: Number(id.tokens), why: err });
      }
    }
    return { opened, unopened };
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
