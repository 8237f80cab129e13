// The identity store on SQL (SQLite or PostgreSQL), beside the token store in the same database.
import { z } from 'zod';
import {
  hashSources,
  trustStates,
  type CustomerKey,
  type HashSource,
  type IdentityStore,
  type StoredHash,
  type UntrustedCustomer,
  type UntrustedPage,
} from './identity-store.js';
import type { SqlDatabase } from './sql.js';

const schema = [
  `CREATE TABLE IF NOT EXISTS customer_identities (
     phone_number_id TEXT NOT NULL,
     wa_id TEXT NOT NULL,
     hash TEXT NOT NULL,
     meta_timestamp BIGINT NOT NULL,
     source TEXT NOT NULL,
     recorded_at TEXT NOT NULL,
     PRIMARY KEY (phone_number_id, wa_id)
   )`,
  `CREATE TABLE IF NOT EXISTS customer_identity_hashes (
     phone_number_id TEXT NOT NULL,
     wa_id TEXT NOT NULL,
     hash TEXT NOT NULL,
     meta_timestamp BIGINT NOT NULL,
     source TEXT NOT NULL,
     recorded_at TEXT NOT NULL,
     PRIMARY KEY (phone_number_id, wa_id, meta_timestamp, hash)
   )`,
  `CREATE TABLE IF NOT EXISTS customer_trust (
     phone_number_id TEXT NOT NULL,
     wa_id TEXT NOT NULL,
     state TEXT NOT NULL,
     since TEXT NOT NULL,
     detail TEXT NOT NULL,
     message_id TEXT,
     PRIMARY KEY (phone_number_id, wa_id)
   )`,
];

const hashRow = z.object({
  hash: z.string(),
  meta_timestamp: z.coerce.number(),
  source: z.enum(hashSources),
  recorded_at: z.string(),
});

const trustRow = z.object({
  phone_number_id: z.string(),
  wa_id: z.string(),
  state: z.enum(trustStates),
  since: z.string(),
  detail: z.string(),
  message_id: z.string().nullable(),
});

const countRow = z.object({ total: z.coerce.number() });

const FirstRecorded = z.object({ first: z.string().nullable() });

const toHash = (raw: unknown): StoredHash => {
  const r = hashRow.parse(raw);
  return { hash: r.hash, metaTimestamp: r.meta_timestamp, source: r.source, recordedAt: r.recorded_at };
};

const toTrust = (raw: unknown): UntrustedCustomer => {
  const r = trustRow.parse(raw);
  return {
    phoneNumberId: r.phone_number_id,
    waId: r.wa_id,
    state: r.state,
    since: r.since,
    detail: r.detail,
    messageId: r.message_id,
  };
};

const HASH_COLUMNS = 'hash, meta_timestamp, source, recorded_at';
const TRUST_COLUMNS = 'phone_number_id, wa_id, state, since, detail, message_id';

export class SqlIdentityStore implements IdentityStore {
  private constructor(private readonly db: SqlDatabase) {}

  static async open(db: SqlDatabase): Promise<SqlIdentityStore> {
    await db.migrate('customer_identities', schema);
    return new SqlIdentityStore(db);
  }

  async record(key: CustomerKey, hash: string, metaTimestamp: number, source: HashSource) {
    if (hash.trim() === '') throw new TypeError('refusing to record an empty identity key hash');
    if (!Number.isSafeInteger(metaTimestamp) || metaTimestamp < 0) {
      throw new TypeError(`a Meta timestamp is whole unix seconds, got ${metaTimestamp}`);
    }
    const values = [key.phoneNumberId, key.waId, hash, metaTimestamp, source, new Date().toISOString()];
    // Every report is kept once (a duplicate webhook adds nothing), late ones too: the audit sees them all.
    await this.db.run(
      `INSERT INTO customer_identity_hashes (phone_number_id, wa_id, ${HASH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (phone_number_id, wa_id, meta_timestamp, hash) DO NOTHING`,
      values,
    );
    const before = await this.current(key);
    // The newest Meta timestamp wins. Meta's timestamps are whole seconds: within one, the later delivery is the best
    // knowledge there is (a send's status right after an inbound message of the same second, say); the same hash
    // again in the same second (a duplicate delivery) changes nothing, not even when it was recorded.
    await this.db.run(
      `INSERT INTO customer_identities (phone_number_id, wa_id, ${HASH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (phone_number_id, wa_id) DO UPDATE SET hash = excluded.hash,
         meta_timestamp = excluded.meta_timestamp, source = excluded.source, recorded_at = excluded.recorded_at
       WHERE customer_identities.meta_timestamp <= excluded.meta_timestamp
         AND NOT (customer_identities.meta_timestamp = excluded.meta_timestamp AND customer_identities.hash = excluded.hash)`,
      values,
    );
    const current = await this.current(key);
    if (!current) throw new Error('the identity hash just recorded is not in the store');
    return { changed: current.hash !== before?.hash, current };
  }

  async current(key: CustomerKey): Promise<StoredHash | undefined> {
    const [row] = await this.db.all<unknown>(
      `SELECT ${HASH_COLUMNS} FROM customer_identities WHERE phone_number_id = ? AND wa_id = ?`,
      [key.phoneNumberId, key.waId],
    );
    return row === undefined ? undefined : toHash(row);
  }

  async history(key: CustomerKey): Promise<StoredHash[]> {
    const rows = await this.db.all<unknown>(
      `SELECT ${HASH_COLUMNS} FROM customer_identity_hashes WHERE phone_number_id = ? AND wa_id = ?
       ORDER BY meta_timestamp, recorded_at, hash`,
      [key.phoneNumberId, key.waId],
    );
    // Reports of the same hash in a row are one entry: the history shows changes.
    return rows.map(toHash).filter((entry, i, all) => i === 0 || all[i - 1]?.hash !== entry.hash);
  }

  async firstRecorded(key: CustomerKey, hash: string): Promise<string | undefined> {
    const [row] = await this.db.all<unknown>(
      `SELECT MIN(recorded_at) AS first FROM customer_identity_hashes WHERE phone_number_id = ? AND wa_id = ? AND hash = ?`,
      [key.phoneNumberId, key.waId, hash],
    );
    return FirstRecorded.parse(row).first ?? undefined;
  }

  async trust(key: CustomerKey): Promise<UntrustedCustomer | undefined> {
    const [row] = await this.db.all<unknown>(
      `SELECT ${TRUST_COLUMNS} FROM customer_trust WHERE phone_number_id = ? AND wa_id = ?`,
      [key.phoneNumberId, key.waId],
    );
    return row === undefined ? undefined : toTrust(row);
  }

  async setTrust(key: CustomerKey, trust: Parameters<IdentityStore['setTrust']>[1]): Promise<void> {
    if (trust === null) {
      await this.db.run('DELETE FROM customer_trust WHERE phone_number_id = ? AND wa_id = ?', [
        key.phoneNumberId,
        key.waId,
      ]);
      return;
    }
    await this.db.run(
      `INSERT INTO customer_trust (${TRUST_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (phone_number_id, wa_id) DO UPDATE SET state = excluded.state, since = excluded.since,
         detail = excluded.detail, message_id = excluded.message_id`,
      [key.phoneNumberId, key.waId, trust.state, new Date().toISOString(), trust.detail, trust.messageId],
    );
  }

  async updateTrust(
    key: CustomerKey,
    trust: Parameters<IdentityStore['updateTrust']>[1],
    from: Parameters<IdentityStore['updateTrust']>[2],
  ): Promise<boolean> {
    if (from.states.length === 0) return false;
    const states = from.states.map(() => '?').join(', ');
    const changed = await this.db.run(
      `UPDATE customer_trust SET state = ?, since = ?, detail = ?, message_id = ?
       WHERE phone_number_id = ? AND wa_id = ? AND state IN (${states})${from.awaitedUnknown ? ' AND message_id IS NULL' : ''}`,
      [
        trust.state,
        new Date().toISOString(),
        trust.detail,
        trust.messageId,
        key.phoneNumberId,
        key.waId,
        ...from.states,
      ],
    );
    return changed > 0;
  }

  async untrusted(phoneNumberId?: string): Promise<UntrustedCustomer[]> {
    const rows =
      phoneNumberId === undefined
        ? await this.db.all<unknown>(`SELECT ${TRUST_COLUMNS} FROM customer_trust ORDER BY phone_number_id, wa_id`)
        : await this.db.all<unknown>(
            `SELECT ${TRUST_COLUMNS} FROM customer_trust WHERE phone_number_id = ? ORDER BY wa_id`,
            [phoneNumberId],
          );
    return rows.map(toTrust);
  }

  async untrustedPage(phoneNumberId: string, { limit, offset }: UntrustedPage) {
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new TypeError(`a page's limit is a whole number from 1, got ${limit}`);
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new TypeError(`a page's offset is a whole number from 0, got ${offset}`);
    }
    const rows = await this.db.all<unknown>(
      `SELECT ${TRUST_COLUMNS} FROM customer_trust WHERE phone_number_id = ? ORDER BY since DESC, wa_id LIMIT ? OFFSET ?`,
      [phoneNumberId, limit, offset],
    );
    const [counted] = await this.db.all<unknown>(
      'SELECT COUNT(*) AS total FROM customer_trust WHERE phone_number_id = ?',
      [phoneNumberId],
    );
    return { customers: rows.map(toTrust), total: countRow.parse(counted).total };
  }
}
