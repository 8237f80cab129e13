// Where the codec's keys come from: NUMBERFLOW_CODEC_KEYS ("id:base64,id:base64", the first is active unless
// NUMBERFLOW_CODEC_KEY_ID names another), or — for the embedded single-machine default only — a key file
// generated once under the data folder with owner-only permissions.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodecKeys } from './aes-gcm-codec.js';

export function parseCodecKeys(spec: string, activeKeyId?: string): CodecKeys {
  const keys = new Map<string, Buffer>();
  for (const entry of spec
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const separator = entry.indexOf(':');
    if (separator <= 0) throw new Error('NUMBERFLOW_CODEC_KEYS: each key must be written id:base64');
    const id = entry.slice(0, separator);
    const key = Buffer.from(entry.slice(separator + 1), 'base64');
    if (key.length !== 32) throw new Error(`NUMBERFLOW_CODEC_KEYS: key "${id}" must decode to 32 bytes`);
    keys.set(id, key);
  }
  const first = keys.keys().next();
  if (first.done) throw new Error('NUMBERFLOW_CODEC_KEYS: no key given');
  const active = activeKeyId ?? first.value;
  if (!keys.has(active)) throw new Error(`NUMBERFLOW_CODEC_KEY_ID: no key "${active}" in NUMBERFLOW_CODEC_KEYS`);
  return { activeKeyId: active, keys };
}

/** The embedded default's key: made on first start, kept in the data folder (gitignored) for later starts. */
export function localCodecKeys(dataDir: string): CodecKeys {
  const file = join(dataDir, 'codec-keys');
  mkdirSync(dataDir, { recursive: true });
  try {
    // 'wx': of two processes starting at once, one creates the key and the other reads it — never two keys.
    writeFileSync(file, `local-1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return parseCodecKeys(readFileSync(file, 'utf8').trim());
}

/** The configured keys; the embedded default may make its own, a worker joining a cluster may not. */
export function codecKeysFor(config: {
  NUMBERFLOW_CODEC_KEYS?: string;
  NUMBERFLOW_CODEC_KEY_ID?: string;
  TEMPORAL_ADDRESS?: string;
  NUMBERFLOW_DATA_DIR: string;
}): CodecKeys {
  if (config.NUMBERFLOW_CODEC_KEYS) return parseCodecKeys(config.NUMBERFLOW_CODEC_KEYS, config.NUMBERFLOW_CODEC_KEY_ID);
  if (config.TEMPORAL_ADDRESS) {
    throw new Error(
      'NUMBERFLOW_CODEC_KEYS is required with TEMPORAL_ADDRESS: every worker and client of a cluster must share the payload keys',
    );
  }
  return localCodecKeys(config.NUMBERFLOW_DATA_DIR);
}
