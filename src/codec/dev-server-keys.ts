// A worker or the HTTP service alone without TEMPORAL_ADDRESS joins the dev server at TEMPORAL_DEV_PORT — npm
// start's. What it encrypts and seals must open with npm start's keys: given, or read from npm start's data folder,
// never made of its own (the embedded default makes keys only for the dev server it starts itself).
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, type Config } from '../config.js';
import { CODEC_KEYS_FILE } from './keys.js';
import { SECRETS_KEY_FILE } from './secrets-keys.js';

type Alone = 'a worker' | 'the HTTP service';

/** Throws, naming the folder and what to give instead, when the keys would be made here. */
export function requireDevServerKeys(config: Config, who: Alone): void {
  if (config.TEMPORAL_ADDRESS) return; // a cluster: the keys are required by name (./keys.ts, ./secrets-keys.ts)
  const folder = resolve(config.NUMBERFLOW_DATA_DIR);
  // The worker opens secrets (the private half); the service only seals (the public half is enough).
  const secretsGiven =
    who === 'a worker'
      ? config.NUMBERFLOW_SECRETS_KEY
      : (config.NUMBERFLOW_SECRETS_KEY ?? config.NUMBERFLOW_SECRETS_PUBLIC_KEY);
  const missing = [
    !config.NUMBERFLOW_CODEC_KEYS && !present(join(folder, CODEC_KEYS_FILE)) && `payload keys (${CODEC_KEYS_FILE})`,
    !secretsGiven && !present(join(folder, SECRETS_KEY_FILE)) && `secrets key (${SECRETS_KEY_FILE})`,
  ].filter((what) => typeof what === 'string');
  if (missing.length === 0) return;
  const give =
    who === 'a worker'
      ? "set NUMBERFLOW_DATA_DIR to npm start's data folder, or give NUMBERFLOW_CODEC_KEYS and NUMBERFLOW_SECRETS_KEY from it (its codec-keys and secrets-key)"
      : "give NUMBERFLOW_CODEC_KEYS and NUMBERFLOW_SECRETS_PUBLIC_KEY from npm start's data folder (its codec-keys and secrets-key.pub): the service keeps its webhook inbox in a data folder of its own";
  throw new ConfigError(
    `no ${missing.join(' nor ')} in ${folder}: ${who} alone on the dev server at TEMPORAL_DEV_PORT (npm start's) encrypts and seals with npm start's keys, never keys of its own: ${give}`,
  );
}

/** Whether a file is there; a folder this process may not read is said as such, not as a missing file. */
function present(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
