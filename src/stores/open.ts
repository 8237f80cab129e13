// Which database the stores use: PostgreSQL when NUMBERFLOW_DATABASE_URL names one (a fleet), else SQLite in the
// data folder (the embedded default). The token store opens on it with the store key, the identity store beside it.
import { join } from 'node:path';
import { ConfigError } from '../config.js';
import { plural } from '../domain/words.js';
import { openPostgres } from './postgres.js';
import { storeSealerFor, type StoreKeyError } from './sealed.js';
import { SqlIdentityStore } from './sql-identity-store.js';
import { SqlTokenStore, type KeyCheck } from './sql-token-store.js';
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

/** The start stopped: this process's store key cannot open the stored tokens. */
export function storeKeyRefusal(why: StoreKeyError): ConfigError {
  return new ConfigError(`the store key cannot open the stored tokens: ${why.message}`);
}

/**
 * A process's store key against the stored tokens, at its start. A key id it holds whose key opens none of its
 * tokens (another key under the same id), or — for a worker, the service, `npm start` (`oneMustOpen`) — a store none
 * of whose tokens it opens, stops the start naming the id: such a worker would send every journey it serves to wait
 * for a token, and they would stay there after it is mended. Tokens that do not open beside others that do (an id
 * dropped in a rotation with one token forgotten, a row copied by hand) are only said, so as not to stop the fleet:
 * their WABAs' journeys wait for a token. The CLI's `token set` checks too, without `oneMustOpen`: it stores a
 * token again when the key that sealed the others is lost. `except`: a WABA whose token is not weighed (`npm start`'s
 * sandbox demo, whose token it stores again itself).
 */
export async function checkStoreKey(
  tokens: SqlTokenStore,
  warn: (message: string) => void,
  {
    oneMustOpen = true,
    latestMustOpen = false,
    except,
  }: { oneMustOpen?: boolean; latestMustOpen?: boolean; except?: string } = {},
): Promise<void> {
  const checks = await tokens.keyCheck({ except });
  const wrongKey = checks.find((c) => c.opened === 0 && c.why?.held)?.why;
  if (wrongKey) throw storeKeyRefusal(wrongKey);
  if (latestMustOpen) await checkNotRetired(tokens, checks);
  const first = checks[0]?.why;
  if (oneMustOpen && first && checks.every((c) => c.opened === 0)) throw storeKeyRefusal(first);
  for (const { keyId, unopened, why } of checks) {
    if (why)
      warn(`${plural(unopened, 'stored token')} of store key "${keyId}" cannot be opened (the first: ${why.message})`);
  }
}

/**
 * The fleet seals with its first key: a command whose first key sealed tokens before, while another key sealed since,
 * is not configured as the fleet is (a rotation it was not told of, or its keys in the wrong order) and would seal
 * with a retired key — also once the rotation re-sealed every token, as the store keeps each sealing key id. One
 * whose first key sealed none is taken as the fleet's new key (a lost key's remedy; a rotation under way). A key
 * whose tokens are all gone (a stray key's, deleted) counts only if the command holds it.
 */
async function checkNotRetired(tokens: SqlTokenStore, checks: readonly KeyCheck[]): Promise<void> {
  const own = tokens.sealsWith;
  const named = new Set(checks.map((check) => check.keyId));
  const [latest, ...before] = (await tokens.sealingKeys()).filter(
    (key) => key.keyId === own || named.has(key.keyId) || tokens.holdsKey(key.keyId),
  );
  if (!latest || latest.keyId === own) return;
  const retired = before.find((key) => key.keyId === own);
  if (!retired) return;
  throw new ConfigError(
    `this command's store key "${own}" (the first of its NUMBERFLOW_STORE_KEY) last sealed a token at ${retired.lastSealedAt}, and the fleet has sealed with store key "${latest.keyId}" since (last at ${latest.lastSealedAt}): it would seal with a retired key. Give it NUMBERFLOW_STORE_KEY as the fleet has it, the fleet's first key first (the data folder's key file holds the keys it was made with); if that key is lost, put a new key first, on the fleet too`,
  );
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
