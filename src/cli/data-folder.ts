// The data folder a direct-mode command reads: the one `npm start` made its keys in.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, type Config } from '../config.js';

/**
 * The embedded default's keys are made by `npm start` in its data folder: a command only reads them. One pointed at
 * another folder made keys of its own there, then could not read the journeys, nor they its payloads.
 */
export function requireLocalKeys(config: Config, { storesOnly = false } = {}): void {
  if (config.NUMBERFLOW_CODEC_KEYS || config.TEMPORAL_ADDRESS) return;
  // A command that opens only the stores, kept in PostgreSQL, makes nothing in the folder.
  if (storesOnly && config.NUMBERFLOW_DATABASE_URL) return;
  const folder = resolve(config.NUMBERFLOW_DATA_DIR);
  if (existsSync(join(folder, 'codec-keys'))) return;
  throw new ConfigError(
    `no payload keys in ${folder}: the command line reads those npm start made in its data folder; set NUMBERFLOW_DATA_DIR to that folder (the default, .data, is the project's), or NUMBERFLOW_CODEC_KEYS for a cluster`,
  );
}
