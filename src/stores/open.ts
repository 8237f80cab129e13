// Which database the stores use: PostgreSQL when NUMBERFLOW_DATABASE_URL names one (a fleet), else SQLite in the
// data folder (the embedded default). The token store opens on it with the store key, the identity store beside it.
import { join } from 'node:path';
import { ConfigError } from '../config.js';
import { plural } from '../domain/words.js';
import { openPostgres } from './postgres.js';
import { storeSealerFor } from './sealed.js';
import { SqlIdentityStore } from './sql-identity-store.js';
import { SqlTokenStore } from './sql-token-store.js';
import type { SqlDatabase } from './sql.js';
import { openSqlite } from './sqlite.js';
import { SQLITE_FILE } from './sqlite-file.js';

export interface StoreConfig {
  NUMBERFLOW_DATABASE_URL?: string;
  NUMBERFLOW_STORE_KEY?: string;
  NUMBERFLOW_DATA_DIR: string;
}

export async function openDatabase(config: StoreConfig): Promise<SqlDatabase> {
  if (config.NUMBERFLOW_DATABASE_URL) return openPostgres(config.NUMBERFLOW_DATABASE_URL);
  return openSqlite(join(config.NUMBERFLOW_DATA_DIR, SQLITE_FILE));
}

export interface Stores {
  db: SqlDatabase;
  tokens: SqlTokenStore;
  identities: SqlIdentityStore;
  close(): Promise<void>;
}

/**
 * A fleet process's store key against the stored tokens, at its start. A key id it holds whose key opens none of
 * its tokens (another key under the same id), or a store none of whose ids it holds, stops the start naming the
 * id: such a worker would send every journey it serves to wait for a token, and they would stay there after it is
 * mended. Tokens of an id it does not hold beside others it opens are only said: README's rotation drops an id once
 * no token names it, and one token forgotten must not stop the fleet (its WABA's journeys wait for a token).
 */
export async function checkStoreKey(tokens: SqlTokenStore, warn: (message: string) => void): Promise<void> {
  const { opened, unopened } = await tokens.keyCheck();
  const wrongKey = unopened.find((u) => u.why.held);
  const refused = wrongKey ?? (opened.length === 0 ? unopened[0] : undefined);
  if (refused) throw new ConfigError(`the store key cannot open the stored tokens: ${refused.why.message}`);
  for (const { keyId, tokens: count, why } of unopened)
    warn(`${plural(count, 'stored token')} of store key "${keyId}" cannot be opened (${why.message})`);
}

export async function openStores(config: StoreConfig): Promise<Stores> {
  const sealer = storeSealerFor(config); // a missing key fails before any connection is made
  const db = await openDatabase(config);
  try {
    const tokens = await SqlTokenStore.open(db, sealer);
    return { db, tokens, identities: await SqlIdentityStore.open(db), close: () => db.close() };
  } catch (err) {
    await db.close();
    throw err;
  }
}
