// The embedded default's key files: made on a fresh data folder, never made again beside what the lost one wrote.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localCodecKeys } from '../../src/codec/keys.js';
import { localSecret } from '../../src/local-secret.js';
import { MADE_KEYS_FILE } from '../../src/codec/key-files.js';
import { localSecretsKeys, secretsKeysFor } from '../../src/codec/secrets-keys.js';
import { generateSecretsKeyPair } from '../../src/codec/sealing.js';
import { openStores } from '../../src/stores/open.js';
import { STORE_KEY_FILE, storeSealerFor } from '../../src/stores/sealed.js';

const storeKey = (dataDir: string) => storeSealerFor({ NUMBERFLOW_DATA_DIR: dataDir });

describe('the data folder key files', () => {
  it('are made on a fresh folder and read again after', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'numberflow-keys-'));
    const codec = localCodecKeys(dataDir);
    writeFileSync(join(dataDir, 'temporal.sqlite'), ''); // histories written since
    expect(localCodecKeys(dataDir)).toEqual(codec);
    // A folder from before sealing existed (histories, no secrets pair) takes a new pair.
    expect(localSecretsKeys(dataDir).seal.kid).toBe(localSecretsKeys(dataDir).seal.kid);
  });

  it("are named apart from another folder's, and a file made before keeps its id", () => {
    const folders = [1, 2].map(() => mkdtempSync(join(tmpdir(), 'numberflow-keys-')));
    const ids = folders.flatMap((dataDir) => [localCodecKeys(dataDir).activeKeyId, storeKey(dataDir).activeKeyId]);
    expect(ids).toEqual([
      expect.stringMatching(/^local-[0-9a-f]{8}$/),
      expect.stringMatching(/^store-[0-9a-f]{8}$/),
      expect.stringMatching(/^local-[0-9a-f]{8}$/),
      expect.stringMatching(/^store-[0-9a-f]{8}$/),
    ]);
    expect(new Set(ids).size).toBe(4);
    const older = mkdtempSync(join(tmpdir(), 'numberflow-keys-'));
    writeFileSync(join(older, 'codec-keys'), `local-1:${Buffer.alloc(32, 1).toString('base64')}\n`);
    expect(localCodecKeys(older).activeKeyId).toBe('local-1');
  });

  it('leave the public secrets key as it is when it is right, so a read-only folder still serves', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'numberflow-keys-'));
    const pair = localSecretsKeys(dataDir);
    const pub = join(dataDir, 'secrets-key.pub');
    chmodSync(pub, 0o444);
    chmodSync(dataDir, 0o500); // as a read-only mount for its user (root writes past it: the file's time says if it did)
    try {
      const before = statSync(pub).mtimeMs;
      expect(localSecretsKeys(dataDir).seal.kid).toBe(pair.seal.kid);
      expect(statSync(pub).mtimeMs).toBe(before);
    } finally {
      chmodSync(dataDir, 0o700);
    }
  });

  it('are made owner-only again when restored readable to all, the public secrets key left as it is', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'numberflow-keys-'));
    localCodecKeys(dataDir);
    localSecretsKeys(dataDir);
    localSecret(dataDir, 'console-secret');
    const files = ['codec-keys', 'secrets-key', 'console-secret', 'secrets-key.pub'].map((f) => join(dataDir, f));
    for (const file of files) chmodSync(file, 0o644); // a restore that kept no modes
    localCodecKeys(dataDir);
    localSecretsKeys(dataDir);
    localSecret(dataDir, 'console-secret');
    expect(files.map((file) => statSync(file).mode & 0o777)).toEqual([0o600, 0o600, 0o600, 0o644]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('are not made again beside what the lost one wrote, naming the file and the way out', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'numberflow-keys-'));
    localCodecKeys(dataDir);
    localSecretsKeys(dataDir);
    writeFileSync(join(dataDir, 'temporal.sqlite'), '');
    for (const [file, make, variable, holder] of [
      ['codec-keys', () => localCodecKeys(dataDir), 'NUMBERFLOW_CODEC_KEYS', 'temporal.sqlite'],
      ['secrets-key', () => localSecretsKeys(dataDir), 'NUMBERFLOW_SECRETS_KEY', 'secrets-key.pub'],
    ] as const) {
      rmSync(join(dataDir, file));
      expect(make).toThrow(
        `${join(dataDir, file)} is missing, but ${join(dataDir, holder)} holds what was written with it: restore the ` +
          `key file from a backup (or give ${variable}); a new key could not read it. A new instance starts on an empty data folder.`,
      );
    }
  });

  it('are not made again once the folder made them, though nothing written with them is left beside', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'numberflow-keys-'));
    const makers = [
      ['codec-keys', () => localCodecKeys(dataDir), 'NUMBERFLOW_CODEC_KEYS'],
      ['secrets-key', () => localSecretsKeys(dataDir), 'NUMBERFLOW_SECRETS_KEY'],
      [STORE_KEY_FILE, () => storeKey(dataDir), 'NUMBERFLOW_STORE_KEY'],
    ] as const;
    for (const [, make] of makers) make();
    expect(readFileSync(join(dataDir, MADE_KEYS_FILE), 'utf8')).toBe('codec-keys\nsecrets-key\nstore-key\n');
    rmSync(join(dataDir, 'secrets-key.pub')); // both halves of the pair lost
    for (const [file, make, variable] of makers) {
      rmSync(join(dataDir, file));
      expect(make).toThrow(
        `${join(dataDir, file)} is missing, but this data folder made it (${join(dataDir, MADE_KEYS_FILE)}): restore ` +
          `the key file from a backup (or give ${variable}); a new key could not read it. A new instance starts on an empty data folder.`,
      );
    }
  });

  it('make no store-key beside a store holding tokens, though the folder has no record of it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'numberflow-keys-'));
    const stores = await openStores({ NUMBERFLOW_DATA_DIR: dataDir });
    await stores.tokens.put('102290129340398', 'EAAS-a-customer-token', { source: 'manual', by: 'admin@acme' });
    await stores.close();
    rmSync(join(dataDir, MADE_KEYS_FILE)); // a folder from before the record
    rmSync(join(dataDir, STORE_KEY_FILE));
    expect(() => storeKey(dataDir)).toThrow(
      `${join(dataDir, STORE_KEY_FILE)} is missing, but ${join(dataDir, 'numberflow.sqlite')} holds what was written with it`,
    );
    expect(existsSync(join(dataDir, STORE_KEY_FILE))).toBe(false);
  });

  it('of a folder from before the record are listed at its next start, and a key it never made is made', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'numberflow-keys-'));
    const codec = localCodecKeys(dataDir);
    storeKey(dataDir);
    rmSync(join(dataDir, MADE_KEYS_FILE));
    writeFileSync(join(dataDir, 'temporal.sqlite'), '');
    expect(localCodecKeys(dataDir)).toEqual(codec);
    const pair = localSecretsKeys(dataDir).seal.kid; // no pair before: made now
    expect(localSecretsKeys(dataDir).seal.kid).toBe(pair);
    expect(readFileSync(join(dataDir, MADE_KEYS_FILE), 'utf8')).toBe('codec-keys\nsecrets-key\n');
    storeKey(dataDir);
    expect(readFileSync(join(dataDir, MADE_KEYS_FILE), 'utf8')).toBe('codec-keys\nsecrets-key\nstore-key\n');
    expect(statSync(join(dataDir, MADE_KEYS_FILE)).mode & 0o777).toBe(0o600);
  });

  it("takes a public secrets key beside npm start's own pair only if it is that pair's", () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'numberflow-keys-'));
    const embedded = (publicKey: string) =>
      secretsKeysFor({ NUMBERFLOW_DATA_DIR: dataDir, NUMBERFLOW_SECRETS_PUBLIC_KEY: publicKey }, { unseal: true });
    const own = localSecretsKeys(dataDir);
    const ownPublic = readFileSync(join(dataDir, 'secrets-key.pub'), 'utf8').trim();
    expect(embedded(ownPublic).seal?.kid).toBe(own.seal.kid);
    expect(() => embedded('garbage')).toThrow('NUMBERFLOW_SECRETS_PUBLIC_KEY: the key is not base64 DER');
    const other = generateSecretsKeyPair().publicKey;
    expect(() => embedded(other)).toThrow(
      /^NUMBERFLOW_SECRETS_PUBLIC_KEY \(key '\w+'\) is not the public half of the data folder's secrets-key/,
    );
  });
});
