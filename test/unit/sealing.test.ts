import { spawnSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  EPHEMERAL_KEY_LIFE,
  generateSecretsKeyPair,
  keyIdOf,
  privateKeyFrom,
  publicKeyFrom,
  seal,
  unseal,
  UnsealableSecretError,
  type SealingKey,
} from '../../src/codec/sealing.js';
import { root } from '../support/processes.js';

function recipient() {
  const pair = generateSecretsKeyPair();
  const publicKey = publicKeyFrom(pair.publicKey);
  const to: SealingKey = { kid: keyIdOf(publicKey), key: publicKey };
  return { to, privateKey: privateKeyFrom(pair.privateKey) };
}

describe('sealing one secret', () => {
  it('keeps one ephemeral key for a minute, each envelope with its own IV, and takes a new one after', () => {
    const { to, privateKey } = recipient();
    const t = 1_000_000;
    const [a, b] = [seal('246810', to, t), seal('246810', to, t + EPHEMERAL_KEY_LIFE.ms - 1)];
    expect(b.epk).toBe(a.epk);
    expect(b.iv).not.toBe(a.iv);
    expect(b.ct).not.toBe(a.ct); // the same PIN twice never reads alike
    const later = seal('246810', to, t + EPHEMERAL_KEY_LIFE.ms);
    expect(later.epk).not.toBe(a.epk);
    expect([a, b, later].map((envelope) => unseal(envelope, privateKey))).toEqual(['246810', '246810', '246810']);
  });

  it('takes a new ephemeral key after 10,000 secrets, and one of its own for each recipient', () => {
    const { to } = recipient();
    const t = 2_000_000;
    const first = seal('1', to, t);
    for (let i = 1; i < EPHEMERAL_KEY_LIFE.secrets - 1; i++) seal(String(i), to, t);
    expect(seal('last', to, t).epk).toBe(first.epk);
    expect(seal('next', to, t).epk).not.toBe(first.epk);
    expect(seal('1', recipient().to, t).epk).not.toBe(first.epk);
  });

  it('opens an envelope whose agreed key it no longer keeps, and refuses one whose epk was swapped for a known one', () => {
    const { to, privateKey } = recipient();
    const oldest = seal('135790', to, 0);
    expect(unseal(oldest, privateKey)).toBe('135790'); // its agreed key kept
    // 1,024 ephemeral keys later the unsealer has forgotten the first one's agreed key.
    const envelopes = Array.from({ length: 1_025 }, (_, i) => seal(`${i}`, to, (i + 1) * EPHEMERAL_KEY_LIFE.ms));
    for (const envelope of envelopes) unseal(envelope, privateKey);
    expect(unseal(oldest, privateKey)).toBe('135790');
    // The header binds the epk: an envelope given another one's (its agreed key at hand) does not open.
    const swapped = { ...oldest, epk: (envelopes.at(-1) as typeof oldest).epk };
    expect(() => unseal(swapped, privateKey)).toThrow(UnsealableSecretError);
    expect(() => unseal(oldest, recipient().privateKey)).toThrow(UnsealableSecretError);
  });
});

describe('an envelope sealed before', () => {
  it('opens with the key it was sealed to (a test key; the envelope made by the sealing of 827b0f3)', () => {
    const privateKey = privateKeyFrom('MC4CAQAwBQYDK2VuBCIEICAlQzyXCBl6NQyAg+wJ4tCn6Mg4v5+UBXyc3QXcbZVP');
    const envelope = {
      $sealed: 'v1',
      kid: '53dc48ecf886accc',
      epk: 'v7vR2T9pI4Sgfo2QUh2tbOhHSWvNL9TWzK0F0Swbwwc',
      iv: 'gxSPT8BYtLdgVI2A',
      ct: 'xQN3LIa642TXeJJKBaQyzjb7gr2FfA',
    } as const;
    expect(unseal(envelope, privateKey)).toBe('135790');
    expect(keyIdOf(createPublicKey(privateKey))).toBe(envelope.kid); // the key's id reckoned as before
  });
});

describe("sealing and Node's key generation", () => {
  // Node 20 deadlocks when a garbage collection during the export of a key that a generation made finalizes that
  // generation (its destructor takes the lock the export holds): the suite's worker process hung in this file once,
  // in a JWK export of a new ephemeral key. A child process marks the keys generateKeyPairSync returns and refuses
  // their export, then seals with a new ephemeral key each time and makes a key pair.
  it('never exports a key a generation made', async () => {
    const code = `
      import crypto from 'node:crypto';
      import { syncBuiltinESMExports } from 'node:module';
      const made = new WeakSet();
      const generate = crypto.generateKeyPairSync;
      let generations = 0;
      crypto.generateKeyPairSync = (...args) => {
        generations++;
        const pair = generate(...args);
        for (const key of Object.values(pair)) if (key instanceof crypto.KeyObject) made.add(key);
        return pair;
      };
      for (const key of Object.values(generate('x25519'))) {
        const kind = Object.getPrototypeOf(key); // PublicKeyObject, PrivateKeyObject: each its own export
        const exportKey = kind.export;
        kind.export = function (options) {
          if (made.has(this)) throw new Error('exported a key a generation made');
          return exportKey.call(this, options);
        };
      }
      syncBuiltinESMExports();
      const sealing = await import('./src/codec/sealing.ts');
      const pair = sealing.generateSecretsKeyPair();
      const key = sealing.publicKeyFrom(pair.publicKey);
      const privateKey = sealing.privateKeyFrom(pair.privateKey);
      for (let i = 0; i < 3; i++) {
        const envelope = sealing.seal(String(i), { kid: sealing.keyIdOf(key), key }, i * 60_000);
        if (sealing.unseal(envelope, privateKey) !== String(i)) throw new Error('not opened');
      }
      if (generations !== 4) throw new Error(generations + ' generations seen, not 4');
      console.log('sealed with 3 ephemeral keys');`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect({ status: run.status, out: run.stdout.trim() }, run.stderr).toEqual({
      status: 0,
      out: 'sealed with 3 ephemeral keys',
    });
  }, 60_000);
});
