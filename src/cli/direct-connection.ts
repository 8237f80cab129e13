// The direct mode's Temporal client, for the journey operations and the commands that exist only in direct mode
// (audit, signup, token, reveal-pin): this machine's payload keys, and the secrets key to seal with (or, for an
// admin's reveal, the private one to open with; without either the client only reads).
import type { Client } from '@temporalio/client';
import { createDataConverter } from '../codec/data-converter.js';
import { checkWorkerKeys } from '../codec/key-probe.js';
import { codecKeysFor } from '../codec/keys.js';
import { secretsKeysFor } from '../codec/secrets-keys.js';
import type { Config } from '../config.js';
import { requireLocalKeys } from './data-folder.js';
import { connectClient } from '../temporal/connection.js';

export async function connectDirectClient(config: Config): Promise<Client> {
  requireLocalKeys(config);
  const secrets = secretsKeysFor(config, { unseal: false });
  return connectClient(config, createDataConverter(codecKeysFor(config), secrets), { role: 'cli' });
}

/** Before sending a payload: the worker must read this client's payload keys (and it the worker's). */
export function checkKeysOf(client: Client, config: Config): Promise<void> {
  return checkWorkerKeys(client, {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    keys: codecKeysFor(config),
    onBusy: (notice) => process.stderr.write(`numberflow: ${notice}\n`),
  });
}
