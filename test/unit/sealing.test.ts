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
