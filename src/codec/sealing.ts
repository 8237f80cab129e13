// Sealing one secret so that only the holder of a private key can read it: ephemeral X25519 with the recipient's
// public key, HKDF-SHA256 to an AES-256-GCM key, the envelope's header bound in as associated data. Clients (the CLI,
// the HTTP service) hold only the public key, so they can seal what they send but never read a secret back.
// A sealer keeps its ephemeral key's derived AES key for a minute or 10,000 secrets, and an unsealer the keys it
// derived for the last 1,024 ephemeral keys: a key agreement cost more than the rest of a journey's codec work
// (docs/architecture.md, Secrets).
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { z } from 'zod';

const VERSION = 'v1';
const HKDF_INFO = 'numberflow sealed secret v1';
const IV_BYTES = 12;
/** An X25519 public key's SPKI: this fixed header (RFC 8410), then the raw 32-byte key. */
const X25519_SPKI_HEADER = Buffer.from('302a300506032b656e032100', 'hex');

function rawX25519(spki: Buffer): Buffer {
  const header = spki.subarray(0, X25519_SPKI_HEADER.length);
  if (spki.length !== X25519_SPKI_HEADER.length + 32 || !header.equals(X25519_SPKI_HEADER))
    throw new Error('not an X25519 public key');
  return spki.subarray(X25519_SPKI_HEADER.length);
}
const TAG_BYTES = 16;

/** A sealed secret as it is stored in a payload, in place of the string it hides. */
export const sealedEnvelopeSchema = z
  .object({
    $sealed: z.literal(VERSION),
    /** The id of the secrets key pair (a fingerprint of its public key). */
    kid: z.string().min(1),
    /** The ephemeral X25519 public key, raw (32 bytes), base64url. */
    epk: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    /** 12 bytes, base64url. */
    iv: z.string().regex(/^[A-Za-z0-9_-]{16}$/),
    /** Ciphertext and GCM tag, base64url. */
    ct: z.string().min(1),
  })
  .strict();
export type SealedEnvelope = z.infer<typeof sealedEnvelopeSchema>;

export interface SealingKey {
  kid: string;
  key: KeyObject;
}

export interface SecretsKeys {
  /** The public key secrets are sealed with. */
  seal: SealingKey;
  /** Private keys by kid: held by the worker (it unseals to call Meta) and by an admin's reveal, by no one else. */
  unseal: ReadonlyMap<string, KeyObject>;
}

/** The keys a process holds: a client that only reads (an auditor's `audit`) holds none and seals nothing. */
export type SecretsKeyring = Omit<SecretsKeys, 'seal'> & { seal: SealingKey | null };

/** A sealed secret this process cannot open: its key is not held here, or it was altered. Names the kid only. */
export class UnsealableSecretError extends Error {
  override readonly name = 'UnsealableSecretError';
  constructor(
    readonly kid: string,
    readonly reason: 'unknown-key' | 'wrong-key' | 'malformed',
  ) {
    super(
      reason === 'malformed'
        ? 'a sealed secret in a payload is malformed (not a v1 envelope)'
        : reason === 'unknown-key'
          ? `a secret is sealed with secrets key '${kid}', which NUMBERFLOW_SECRETS_KEY here does not hold`
          : `a secret sealed with secrets key '${kid}' failed authentication: it was altered, or sealed with another key of that id`,
    );
  }
}

export function isSealedEnvelope(value: unknown): value is SealedEnvelope {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, '$sealed');
}

/** The key pair's id: a fingerprint of the public key, so a key cannot be given a misleading name. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('hex')
    .slice(0, 16);
}

/**
 * A new X25519 pair as DER (PKCS#8 private, SPKI public), encoded by the generation itself: Node 20 deadlocks when a
 * garbage collection during an export of a key finalizes the generation that made it (its destructor takes the
 * lock the export holds), so no key a generation made is ever exported or kept (docs/architecture.md).
 */
function newPair(): { privateKey: Buffer; publicKey: Buffer } {
  return generateKeyPairSync('x25519', {
    privateKeyEncoding: { format: 'der', type: 'pkcs8' },
    publicKeyEncoding: { format: 'der', type: 'spki' },
  });
}

/** A new X25519 pair as base64 DER (PKCS#8 private, SPKI public), the form the configuration takes. */
export function generateSecretsKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = newPair();
  return { privateKey: privateKey.toString('base64'), publicKey: publicKey.toString('base64') };
}

export function privateKeyFrom(base64Der: string): KeyObject {
  const key = createPrivateKey({ key: Buffer.from(base64Der, 'base64'), format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType !== 'x25519') throw new Error(`is a ${key.asymmetricKeyType} key, not X25519`);
  return key;
}

export function publicKeyFrom(base64Der: string): KeyObject {
  const key = createPublicKey({ key: Buffer.from(base64Der, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'x25519') throw new Error(`is a ${key.asymmetricKeyType} key, not X25519`);
  return key;
}

/** How long a sealer keeps one ephemeral key: by the clock, and by the secrets sealed with it. */
export const EPHEMERAL_KEY_LIFE = Object.freeze({ ms: 60_000, secrets: 10_000 });

/** A sealer's current ephemeral key toward one recipient: its public half and the AES key it agreed. */
interface EphemeralKey {
  epk: Buffer;
  key: Buffer;
  sealed: number;
  until: number;
}

const ephemeralKeys = new WeakMap<KeyObject, EphemeralKey>();

/**
 * The ephemeral key to seal with now: the one in use while its life lasts, else a new one. Only its public half and
 * the agreed AES key are kept (its private half is dropped at once); each envelope still has its own random IV, so
 * two sealings of one secret never read alike.
 */
function ephemeralKeyTo(to: SealingKey, now: number): EphemeralKey {
  const current = ephemeralKeys.get(to.key);
  if (current && current.sealed < EPHEMERAL_KEY_LIFE.secrets && now < current.until) {
    current.sealed += 1;
    return current;
  }
  const ephemeral = newPair();
  const epk = rawX25519(ephemeral.publicKey);
  const privateKey = createPrivateKey({ key: ephemeral.privateKey, format: 'der', type: 'pkcs8' });
  const key = derive(diffieHellman({ privateKey, publicKey: to.key }), epk, to.key);
  const fresh = { epk, key, sealed: 1, until: now + EPHEMERAL_KEY_LIFE.ms };
  ephemeralKeys.set(to.key, fresh);
  return fresh;
}

export function seal(secret: string, to: SealingKey, now = Date.now()): SealedEnvelope {
  const { epk, key } = ephemeralKeyTo(to, now);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(header(to.kid, epk));
  const ct = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return {
    $sealed: VERSION,
    kid: to.kid,
    epk: epk.toString('base64url'),
    iv: iv.toString('base64url'),
    ct: ct.toString('base64url'),
  };
}

export function unseal(envelope: SealedEnvelope, privateKey: KeyObject): string {
  const epk = Buffer.from(envelope.epk, 'base64url');
  const sealed = Buffer.from(envelope.ct, 'base64url');
  try {
    const { key, keep } = agreedKey(envelope.epk, epk, privateKey);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64url'));
    decipher.setAAD(header(envelope.kid, epk));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const secret = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
    keep(); // only a key that opened an envelope is kept
    return secret.toString('utf8');
  } catch {
    throw new UnsealableSecretError(envelope.kid, 'wrong-key');
  }
}

/** How many agreed keys an unsealer keeps, per private key (the oldest goes first). */
const AGREED_KEYS_KEPT = 1_024;
const agreedKeys = new WeakMap<KeyObject, Map<string, Buffer>>();

/**
 * The AES key an envelope's ephemeral key (`epkText`, 43 base64url characters: the schema's) agreed with this private
 * key: derived once, and kept by `keep` once it opened the envelope.
 */
function agreedKey(epkText: string, epk: Buffer, privateKey: KeyObject): { key: Buffer; keep: () => void } {
  let kept = agreedKeys.get(privateKey);
  if (!kept) agreedKeys.set(privateKey, (kept = new Map()));
  const known = kept.get(epkText);
  if (known) return { key: known, keep: () => undefined };
  const ephemeral = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: epkText }, format: 'jwk' });
  const key = derive(diffieHellman({ privateKey, publicKey: ephemeral }), epk, publicHalf(privateKey));
  const keep = () => {
    if (kept.size >= AGREED_KEYS_KEPT) kept.delete(kept.keys().next().value as string);
    kept.set(epkText, key);
  };
  return { key, keep };
}

const publicHalves = new WeakMap<KeyObject, KeyObject>();

function publicHalf(privateKey: KeyObject): KeyObject {
  let half = publicHalves.get(privateKey);
  if (!half) publicHalves.set(privateKey, (half = createPublicKey(privateKey)));
  return half;
}

const rawPublics = new WeakMap<KeyObject, Buffer>();

function rawPublic(key: KeyObject): Buffer {
  let raw = rawPublics.get(key);
  if (!raw) rawPublics.set(key, (raw = rawX25519(key.export({ format: 'der', type: 'spki' }))));
  return raw;
}

/** The shared secret to a message key, salted with both public keys. */
function derive(shared: Buffer, epk: Buffer, recipient: KeyObject): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([epk, rawPublic(recipient)]), HKDF_INFO, 32));
}

/** The envelope's header, authenticated with the ciphertext: a kid or epk swapped in fails to open. */
function header(kid: string, epk: Buffer): Buffer {
  return Buffer.from(`${VERSION}.${kid}.${epk.toString('base64url')}`);
}
