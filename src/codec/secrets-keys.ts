// Where the secrets keys come from: NUMBERFLOW_SECRETS_KEY (private X25519 keys, base64 DER, comma-separated; the
// worker's, and the admin's reveal) and NUMBERFLOW_SECRETS_PUBLIC_KEY (the key secrets are sealed with; enough for a
// client). The embedded single-machine default makes a pair once under the data folder, the private key owner-only.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config.js';
import { recordKeyFile, refuseNewKeyFile } from './key-files.js';
import {
  generateSecretsKeyPair,
  keyIdOf,
  privateKeyFrom,
  publicKeyFrom,
  type SecretsKeyring,
  type SecretsKeys,
} from './sealing.js';
import { makeDir, ownerOnly, readIfAny, writeOnce } from '../make-dir.js';
import { NUMBERFLOW_COMMAND } from '../cli-command.js';

export interface SecretsKeySpec {
  NUMBERFLOW_SECRETS_KEY?: string;
  NUMBERFLOW_SECRETS_PUBLIC_KEY?: string;
}

/**
 * The keys of a specification. Secrets are sealed with NUMBERFLOW_SECRETS_PUBLIC_KEY, else with the first private
 * key's public half; the other private keys still open what was sealed with them (a rotated pair stays readable).
 */
export function parseSecretsKeys(spec: SecretsKeySpec): SecretsKeys {
  const unseal = new Map<string, KeyObject>();
  const privateKeys = (spec.NUMBERFLOW_SECRETS_KEY ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  privateKeys.forEach((entry, i) => {
    const key = parsed('NUMBERFLOW_SECRETS_KEY', `key ${i + 1}`, () => privateKeyFrom(entry));
    unseal.set(keyIdOf(createPublicKey(key)), key);
  });
  const publicKey = spec.NUMBERFLOW_SECRETS_PUBLIC_KEY
    ? parsed('NUMBERFLOW_SECRETS_PUBLIC_KEY', 'the key', () => publicKeyFrom(spec.NUMBERFLOW_SECRETS_PUBLIC_KEY ?? ''))
    : undefined;
  const first = unseal.entries().next();
  if (!publicKey) {
    if (first.done) throw new ConfigError('NUMBERFLOW_SECRETS_KEY or NUMBERFLOW_SECRETS_PUBLIC_KEY must be given');
    return { seal: { kid: first.value[0], key: createPublicKey(first.value[1]) }, unseal };
  }
  const kid = keyIdOf(publicKey);
  if (unseal.size > 0 && !unseal.has(kid)) {
    throw new ConfigError(
      `NUMBERFLOW_SECRETS_PUBLIC_KEY (key '${kid}') is not the public half of any NUMBERFLOW_SECRETS_KEY here: ` +
        'this process could not open what it seals',
    );
  }
  return { seal: { kid, key: publicKey }, unseal };
}

/** The secrets key pair's private half in a data folder (its public half beside it, `.pub`). */
export const SECRETS_KEY_FILE = 'secrets-key';

/** The embedded default's pair: made on first start, kept in the data folder (gitignored) for later starts. */
export function localSecretsKeys(dataDir: string): SecretsKeys {
  const file = join(dataDir, SECRETS_KEY_FILE);
  makeDir(dataDir, 0o700);
  // Its public half beside it, or the folder's record, says a pair was made: a folder from before sealing has
  // neither, and takes a new pair.
  refuseNewKeyFile(dataDir, file, { usedBy: ['secrets-key.pub'], variable: 'NUMBERFLOW_SECRETS_KEY' });
  const pair = generateSecretsKeyPair();
  // Of two processes starting at once, one creates the pair and the other reads it — never two pairs.
  writeOnce(file, `${pair.privateKey}\n`, 0o600);
  ownerOnly([file]); // its public half stays readable to all
  const keys = parseSecretsKeys({ NUMBERFLOW_SECRETS_KEY: readFileSync(file, 'utf8').trim() });
  recordKeyFile(dataDir, file);
  // The public half beside it, for a client that should only seal (NUMBERFLOW_SECRETS_PUBLIC_KEY); written only
  // when it is not there as it should be, so that a read-only folder that holds it serves a reading command.
  const publicKey = `${keys.seal.key.export({ format: 'der', type: 'spki' }).toString('base64')}\n`;
  if (readIfAny(`${file}.pub`) !== publicKey) writeFileSync(`${file}.pub`, publicKey, { mode: 0o644 });
  return keys;
}

/**
 * The configured secrets keys. `unseal`: this process opens secrets (the worker; `npm start`), so with
 * TEMPORAL_ADDRESS it must be given the private key; a client may seal with the public key alone, and a client with
 * neither only reads — but not one that must `seal` (the HTTP service, which sends operators' codes and PINs).
 */
export function secretsKeysFor(
  config: SecretsKeySpec & { TEMPORAL_ADDRESS?: string; NUMBERFLOW_DATA_DIR: string },
  { unseal, seal = false }: { unseal: boolean; seal?: boolean },
): SecretsKeyring {
  if (config.NUMBERFLOW_SECRETS_KEY || (!unseal && config.NUMBERFLOW_SECRETS_PUBLIC_KEY)) {
    return parseSecretsKeys(config);
  }
  if (config.TEMPORAL_ADDRESS) {
    // A client without a key reads (an auditor's `audit`); sending a code or a PIN then fails, naming the variable.
    if (!unseal && !seal) return { seal: null, unseal: new Map() };
    if (!unseal) {
      throw new ConfigError(
        `NUMBERFLOW_SECRETS_PUBLIC_KEY is required with TEMPORAL_ADDRESS: the service seals the codes and PINs operators send (the worker's NUMBERFLOW_SECRETS_KEY's public half; ${NUMBERFLOW_COMMAND} secrets-keygen prints a pair)`,
      );
    }
    throw new ConfigError(
      "NUMBERFLOW_SECRETS_KEY is required with TEMPORAL_ADDRESS: the worker unseals PINs and codes to call Meta (for `npm start`'s dev server on another port, set TEMPORAL_DEV_PORT instead: its data folder holds the keys)",
    );
  }
  const local = localSecretsKeys(config.NUMBERFLOW_DATA_DIR);
  // The embedded default opens what it seals with its folder's pair: a public key given beside it must be that pair's.
  if (config.NUMBERFLOW_SECRETS_PUBLIC_KEY) {
    const given = parseSecretsKeys({ NUMBERFLOW_SECRETS_PUBLIC_KEY: config.NUMBERFLOW_SECRETS_PUBLIC_KEY }).seal.kid;
    if (given !== local.seal.kid) {
      throw new ConfigError(
        `NUMBERFLOW_SECRETS_PUBLIC_KEY (key '${given}') is not the public half of the data folder's secrets-key ` +
          `(key '${local.seal.kid}'), which this process opens secrets with: unset it, or give NUMBERFLOW_SECRETS_KEY its private half`,
      );
    }
  }
  return local;
}

function parsed<T>(variable: string, which: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    // The reason names the format, never the value (it is a secret).
    const why = err instanceof Error && /not X25519/.test(err.message) ? err.message : 'is not base64 DER';
    throw new ConfigError(`${variable}: ${which} ${why} (make a pair with: ${NUMBERFLOW_COMMAND} secrets-keygen)`);
  }
}
