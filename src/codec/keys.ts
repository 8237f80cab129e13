// Where the AES-256 keys come from: a list "id:base64,id:base64" in an environment variable (the payload codec's
// NUMBERFLOW_CODEC_KEYS, the token store's NUMBERFLOW_STORE_KEY), the first active unless another is named — or,
// for the embedded single-machine default only, a key file generated once under the data folder (./key-files.ts).
import { join } from 'node:path';
import type { CodecKeys } from './aes-gcm-codec.js';
import { HISTORIES_FILE, localKeySpec, type LostKeyCheck } from './key-files.js';

/** Keys by id, and the one that encrypts what is new. */
export type KeyRing = CodecKeys;

/** `variable` names the setting in error messages; `activeKeyId` picks the active key (default: the first). */
export function parseKeyList(spec: string, variable: string, activeKeyId?: string, activeVariable = variable): KeyRing {
  const keys = new Map<string, Buffer>();
  for (const entry of spec
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const separator = entry.indexOf(':');
    if (separator <= 0) throw new Error(`${variable}: each key must be written id:base64`);
    const id = entry.slice(0, separator);
    const key = Buffer.from(entry.slice(separator + 1), 'base64');
    if (key.length !== 32) throw new Error(`${variable}: key "${id}" must decode to 32 bytes`);
    // Two keys of one id: a payload names the id only, so which one opens it would be a guess.
    if (keys.has(id)) throw new Error(`${variable}: key id "${id}" is given twice; each key needs an id of its own`);
    keys.set(id, key);
  }
  const first = keys.keys().next();
  if (first.done) throw new Error(`${variable}: no key given`);
  const active = activeKeyId ?? first.value;
  if (!keys.has(active)) throw new Error(`${activeVariable}: no key "${active}" in ${variable}`);
  return { activeKeyId: active, keys };
}

export function parseCodecKeys(spec: string, activeKeyId?: string): CodecKeys {
  return parseKeyList(spec, 'NUMBERFLOW_CODEC_KEYS', activeKeyId, 'NUMBERFLOW_CODEC_KEY_ID');
}

/** A key file of the data folder, made on first need (./key-files.ts). */
export function localKeyFile(dataDir: string, file: string, kind: string, lost: LostKeyCheck): KeyRing {
  return parseKeyList(localKeySpec(dataDir, file, kind, lost), join(dataDir, file));
}

/** The payload keys' file in a data folder. */
export const CODEC_KEYS_FILE = 'codec-keys';

/** The embedded default's payload key (every history of its dev server is encrypted with it, from the first). */
export function localCodecKeys(dataDir: string): CodecKeys {
  return localKeyFile(dataDir, CODEC_KEYS_FILE, 'local', {
    usedBy: [HISTORIES_FILE],
    variable: 'NUMBERFLOW_CODEC_KEYS',
  });
}

/**
 * The configured keys; the embedded default may make its own, a worker joining a cluster may not (nor one alone on
 * npm start's dev server: ./dev-server-keys.ts).
 */
export function codecKeysFor(config: {
  NUMBERFLOW_CODEC_KEYS?: string;
  NUMBERFLOW_CODEC_KEY_ID?: string;
  NUMBERFLOW_COMPRESS_PAYLOADS?: '0' | '1';
  TEMPORAL_ADDRESS?: string;
  NUMBERFLOW_DATA_DIR: string;
}): CodecKeys {
  const keys = keysFor(config);
  return config.NUMBERFLOW_COMPRESS_PAYLOADS === '0' ? { ...keys, compress: false } : keys;
}

function keysFor(config: Parameters<typeof codecKeysFor>[0]): CodecKeys {
  if (config.NUMBERFLOW_CODEC_KEYS) return parseCodecKeys(config.NUMBERFLOW_CODEC_KEYS, config.NUMBERFLOW_CODEC_KEY_ID);
  if (config.TEMPORAL_ADDRESS) {
    throw new Error(
      "NUMBERFLOW_CODEC_KEYS is required with TEMPORAL_ADDRESS: every worker and client of a cluster must share the payload keys (for `npm start`'s dev server on another port, set TEMPORAL_DEV_PORT instead: its data folder holds the keys)",
    );
  }
  return localCodecKeys(config.NUMBERFLOW_DATA_DIR);
}
