// Which database the stores use: PostgreSQL when NUMBERFLOW_DATABASE_URL names one (a fleet), else SQLite in the
// data folder (the embedded default). The token store opens on it with the store key, the identity store beside it.
import { join } from 'node:path';
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
