// The direct mode's Temporal client, for the journey operations and the commands that exist only in direct mode
// (audit, signup, token, reveal-pin): this machine's payload keys, and the secrets key to seal with (or, for an
// admin's reveal, the private one to open with; without either the client only reads).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import { createDataConverter } from '../codec/data-converter.js';
import { checkWorkerKeys } from '../codec/key-probe.js';
import { codecKeysFor } from '../codec/keys.js';
import { secretsKeysFor } from '../codec/secrets-keys.js';
import { ConfigError, type Config } from '../config.js';
import { connectClient } from '../temporal/connection.js';

export async function connectDirectClient(config: Config): Promise<Client> {
  requireLocalKeys(config);
  const secrets = secretsKeysFor(config, { unseal: false });
  return connectClient(config, createDataConverter(codecKeysFor(config), secrets));
}

/** Before sending a payload: the worker must read this client's payload keys (and it the worker's). */
export function checkKeysOf(client: Client, config: Config): Promise<void> {
  return checkWorkerKeys(client, { taskQueue: config.TEMPORAL_TASK_QUEUE, keys: codecKeysFor(config) });
}

/**
 * The embedded default's keys are made by `npm start` in its data folder: a command only reads them. One pointed at
 * another folder made keys of its own there, then could not read the journeys, nor they its payloads.
 */
function requireLocalKeys(config: Config): void {
  if (config.NUMBERFLOW_CODEC_KEYS || config.TEMPORAL_ADDRESS) return;
  const folder = resolve(config.NUMBERFLOW_DATA_DIR);
  if (existsSync(join(folder, 'codec-keys'))) return;
  throw new ConfigError(
    `no payload keys in ${folder}: the command line reads those npm start made in its data folder; set NUMBERFLOW_DATA_DIR to that folder (the default, .data, is the project's), or NUMBERFLOW_CODEC_KEYS for a cluster`,
  );
}
