// The data folder a direct-mode command reads: the one `npm start` made its keys in.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, type Config } from '../config.js';
import { SQLITE_FILE } from '../stores/sqlite-file.js';
import { CODEC_KEYS_FILE } from '../codec/keys.js';

/**
 * The embedded default's keys are made by `npm start` in its data folder: a command only reads them. One pointed at
 * another folder made keys of its own there, then could not read the journeys, nor they its payloads.
 */
export function requireLocalKeys(config: Config, { storesOnly = false } = {}): void {
  if (storesOnly) return requireLocalStore(config);
  if (config.NUMBERFLOW_CODEC_KEYS || config.TEMPORAL_ADDRESS) return;
  const folder = resolve(config.NUMBERFLOW_DATA_DIR);
  if (existsSync(join(folder, CODEC_KEYS_FILE))) return;
  throw new ConfigError(
    `no payload keys in ${folder}: the command line reads those npm start made in its data folder; set NUMBERFLOW_DATA_DIR to that folder (the default, .data, is the project's), or NUMBERFLOW_CODEC_KEYS for a cluster`,
  );
}

/**
 * The stores in SQLite are the ones the service made in its data folder: a command opening them where there are
 * none would make an empty store (and a store key) of its own — a token stored there reaches no worker, a list
 * answers "no tokens" — as when the service keeps its stores in PostgreSQL and the command was not told so.
 */
function requireLocalStore(config: Config): void {
  if (config.NUMBERFLOW_DATABASE_URL) return; // PostgreSQL: nothing is made in the folder
  const folder = resolve(config.NUMBERFLOW_DATA_DIR);
  if (existsSync(join(folder, SQLITE_FILE))) return;
  if (!config.NUMBERFLOW_CODEC_KEYS && !config.TEMPORAL_ADDRESS) requireLocalKeys(config); // no keys: said so first
  throw new ConfigError(
    `no token store in ${folder} (${SQLITE_FILE}): a service keeping its stores in SQLite makes it there on its first start; one keeping them in PostgreSQL is reached with NUMBERFLOW_DATABASE_URL and NUMBERFLOW_STORE_KEY, as the service has them`,
  );
}
