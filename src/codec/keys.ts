// Where the AES-256 keys come from: a list "id:base64,id:base64" in an environment variable (the payload codec's
// NUMBERFLOW_CODEC_KEYS, the token store's NUMBERFLOW_STORE_KEY), the first active unless another is named — or,
// for the embedded single-machine default only, a key file generated once under the data folder, owner-only.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodecKeys } from './aes-gcm-codec.js';

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

/**
 * A key file may be made only beside no data it would have encrypted (`usedBy`: files of the data folder written with
 * it): a new key could not read them, and what it wrote the old one could not — a key file lost from a folder in use
 * is restored from a backup, never made again.
 */
export function refuseNewKeyFile(dataDir: string, path: string, usedBy: readonly string[], variable: string): void {
  const used = usedBy.find((name) => existsSync(join(dataDir, name)));
  if (!used || existsSync(path)) return;
  throw new Error(
    `${path} is missing, but ${join(dataDir, used)} holds what was written with it: restore the key file from a ` +
      `backup (or give ${variable}); a new key could not read it. A new instance starts on an empty data folder.`,
  );
}

/** What the embedded default's payload and secrets keys encrypt: the dev server's histories. */
export const HISTORIES_FILE = 'temporal.sqlite';

/** A key made on first start and kept in the data folder (gitignored) for later starts. */
export function localKeyFile(
  dataDir: string,
  file: string,
  keyId: string,
  refuseBeside?: { usedBy: readonly string[]; variable: string },
): KeyRing {
  const path = join(dataDir, file);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (refuseBeside) refuseNewKeyFile(dataDir, path, refuseBeside.usedBy, refuseBeside.variable);
  try {
    // 'wx': of two processes starting at once, one creates the key and the other reads it — never two keys.
    writeFileSync(path, `${keyId}:${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return parseKeyList(readFileSync(path, 'utf8').trim(), path);
}

/** The embedded default's payload key (every history of its dev server is encrypted with it, from the first). */
export function localCodecKeys(dataDir: string): CodecKeys {
  return localKeyFile(dataDir, 'codec-keys', 'local-1', {
    usedBy: [HISTORIES_FILE],
    variable: 'NUMBERFLOW_CODEC_KEYS',
  });
}

/** The configured keys; the embedded default may make its own, a worker joining a cluster may not. */
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
