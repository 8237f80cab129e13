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

/**
 * Every store key id that sealed a token, and when it last did: a retired id is known as one after the rotation
 * re-sealed every token under the new key (the tokens alone no longer name it). A component of its own, so that the
 * token table's schema stays at the version earlier releases know (they refuse a newer one at start).
 */
const sealingKeysSchema = [
  `CREATE TABLE IF NOT EXISTS store_keys (
     key_id TEXT PRIMARY KEY,
     first_sealed_at TEXT NOT NULL,
     last_sealed_at TEXT NOT NULL
   )`,
  `INSERT INTO store_keys (key_id, first_sealed_at, last_sealed_at)
     SELECT key_id, MIN(stored_at), MAX(stored_at) FROM waba_tokens GROUP BY key_id`,
];

/** A store key id that sealed tokens: when first, and when last. */
export interface SealingKey {
  keyId: string;
  firstSealedAt: string;
  lastSealedAt: string;
}

const sealingKeyRow = z.object({ key_id: z.string(), first_sealed_at: z.string(), last_sealed_at: z.string() });

/** The stored tokens of one key id against this process's store key. */
export interface KeyCheck {
  keyId: string;
  opened: number;
  unopened: number;
  why: StoreKeyError | null;
}

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

  /** The store key id new tokens are sealed under (the first of NUMBERFLOW_STORE_KEY). */
  get sealsWith(): string {
    return this.sealer.activeKeyId;
  }

  static async open(db: SqlDatabase, sealer: Sealer): Promise<SqlTokenStore> {
    await db.migrate('waba_tokens', schema);
    await db.migrate('store_keys', sealingKeysSchema);
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
    const at = new Date().toISOString();
    await this.db.run(
      `INSERT INTO store_keys (key_id, first_sealed_at, last_sealed_at) VALUES (?, ?, ?)
       ON CONFLICT (key_id) DO UPDATE SET last_sealed_at = CASE
         WHEN excluded.last_sealed_at > store_keys.last_sealed_at THEN excluded.last_sealed_at
         ELSE store_keys.last_sealed_at END`,
      [sealed.keyId, at, at],
    );
    await this.db.run(
      `INSERT INTO waba_tokens (waba_id, key_id, sealed, source, stored_by, stored_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (waba_id) DO UPDATE SET key_id = excluded.key_id, sealed = excluded.sealed,
         source = excluded.source, stored_by = excluded.stored_by, stored_at = excluded.stored_at`,
      [wabaId, sealed.keyId, sealed.data, origin.source, origin.by, at],
    );
  }

  /** The store key ids that sealed tokens, the one that sealed last first. */
  async sealingKeys(): Promise<SealingKey[]> {
    const rows = await this.db.all<unknown>(
      'SELECT key_id, first_sealed_at, last_sealed_at FROM store_keys ORDER BY last_sealed_at DESC, key_id',
    );
    return rows.map((raw) => {
      const r = sealingKeyRow.parse(raw);
      return { keyId: r.key_id, firstSealedAt: r.first_sealed_at, lastSealedAt: r.last_sealed_at };
    });
  }

  /** Whether this process holds a key under the id. */
  holdsKey(keyId: string): boolean {
    return this.sealer.holds(keyId);
  }

  async delete(wabaId: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM waba_tokens WHERE waba_id = ?', [wabaId])) > 0;
  }

  /**
   * The store key against every stored token, a page at a time (opening one costs microseconds): per key id the
   * tokens name, how many opened, how many did not, and the first refusal (a key not held, or another key under
   * that id; a row copied by hand onto another WABA opens with no key).
   */
  async keyCheck({ pageSize = 1_000, except }: { pageSize?: number; except?: string } = {}): Promise<KeyCheck[]> {
    const byId = new Map<string, KeyCheck>();
    let after = '';
    for (;;) {
      const page = await this.db.all<{ waba_id: string; key_id: string; sealed: string }>(
        'SELECT waba_id, key_id, sealed FROM waba_tokens WHERE waba_id > ? ORDER BY waba_id LIMIT ?',
        [after, pageSize],
      );
      for (const row of page) {
        if (row.waba_id === except) continue;
        const check = byId.get(row.key_id) ?? { keyId: row.key_id, opened: 0, unopened: 0, why: null };
        byId.set(row.key_id, check);
        try {
          this.sealer.open(
            { keyId: row.key_id, data: row.sealed },
            context(row.waba_id),
            `the token of WABA ${row.waba_id}`,
          );
          check.opened++;
        } catch (err) {
          if (!(err instanceof StoreKeyError)) throw err;
          check.unopened++;
          check.why ??= err;
        }
      }
      const last = page.at(-1);
      if (!last || page.length < pageSize) break;
      after = last.waba_id;
    }
    return [...byId.values()].sort((a, b) => a.keyId.localeCompare(b.keyId));
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
