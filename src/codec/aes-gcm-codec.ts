// Payload encryption: every payload Temporal stores (inputs, results, signal and update arguments, failures'
// details) is AES-256-GCM encrypted with a key id in its metadata, so keys can rotate: new payloads use the
// active key, old ones decrypt with the key they name. PINs, OTPs and tokens never reach history in clear. Large
// payloads are compressed before they are encrypted (compression.ts).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import { compressed, decompressed } from './compression.js';
import { undecryptableMarker, type Undecryptable } from './undecryptable.js';

const ENCODING = 'binary/encrypted';
const METADATA_ENCODING_KEY = 'encoding';
const METADATA_KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface CodecKeys {
  /** The key new payloads are encrypted with. */
  activeKeyId: string;
  /** Every key that may still have to decrypt something: id → 32-byte key. */
  keys: ReadonlyMap<string, Buffer>;
  /** false: large payloads are encrypted uncompressed (NUMBERFLOW_COMPRESS_PAYLOADS=0); compressed ones still read. */
  compress?: boolean;
}

/** A payload this process cannot decrypt, with the key id it names (clients throw it, naming the key). */
export class UndecryptablePayloadError extends ValueError {
  constructor(readonly undecryptable: Undecryptable) {
    super(
      undecryptable.reason === 'malformed'
        ? (undecryptable.detail ?? 'a payload is malformed')
        : undecryptable.reason === 'unknown-key'
          ? `no codec key "${undecryptable.keyId}" to decrypt a payload (was it rotated out, or is NUMBERFLOW_CODEC_KEYS, or NUMBERFLOW_DATA_DIR without it, different here?)`
          : `the codec key "${undecryptable.keyId}" here is not the one the payload was encrypted with (NUMBERFLOW_CODEC_KEYS differs, or NUMBERFLOW_DATA_DIR names another data folder than the worker's)`,
    );
  }
}

export interface AesGcmCodecOptions {
  /**
   * 'throw' (clients): decoding fails, naming the key. 'mark' (workers): the payload decodes to a marker value
   * that the workflow interceptor turns into a failed workflow or a refused update, instead of a workflow task
   * failing for ever.
   */
  undecryptable?: 'throw' | 'mark';
  /** Told of each payload marked (the worker's log names the key: a replay's failed task may not). */
  onMarked?: (undecryptable: Undecryptable) => void;
}

/** Whether a payload is one this codec encrypted (its encoding says so). */
export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return encoding !== undefined && encoding !== null && Buffer.from(encoding).toString() === ENCODING;
}

export class AesGcmCodec implements PayloadCodec {
  constructor(
    private readonly codecKeys: CodecKeys,
    private readonly options: AesGcmCodecOptions = {},
  ) {
    if (!codecKeys.keys.has(codecKeys.activeKeyId)) {
      throw new Error(`the active codec key "${codecKeys.activeKeyId}" is not among the keys`);
    }
    for (const [id, key] of codecKeys.keys) {
      if (key.length !== 32) throw new Error(`codec key "${id}" must be 32 bytes (AES-256), got ${key.length}`);
    }
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.codecKeys.activeKeyId;
    const key = this.codecKeys.keys.get(keyId) as Buffer;
    return payloads.map((payload) => ({
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCODING),
        [METADATA_KEY_ID]: Buffer.from(keyId),
      },
      data: encrypt(Buffer.from(compressed(payload, this.codecKeys.compress !== false)), key),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (!isEncrypted(payload)) return payload;
      const keyIdBytes = payload.metadata?.[METADATA_KEY_ID];
      // Sent by hand, malformed: marked in a worker (a signal dropped, an update refused), never a failed task.
      if (!keyIdBytes) return this.undecryptable(malformed('', 'an encrypted payload has no key id'));
      const keyId = Buffer.from(keyIdBytes).toString();
      const key = this.codecKeys.keys.get(keyId);
      if (!key) return this.undecryptable({ keyId, reason: 'unknown-key' });
      if (!payload.data?.length) return this.undecryptable(malformed(keyId, 'an encrypted payload has no data'));
      let plain: Buffer;
      try {
        plain = decrypt(Buffer.from(payload.data), key);
      } catch {
        return this.undecryptable({ keyId, reason: 'wrong-key' }); // GCM's tag did not authenticate
      }
      try {
        return decompressed(plain);
      } catch {
        return this.undecryptable(
          malformed(keyId, 'an encrypted payload holds no payload, or one that does not inflate'),
        );
      }
    });
  }

  /** The same keys, decoding what it cannot decrypt to a marker (the worker's codec); `onMarked` told of each. */
  marking(onMarked?: (undecryptable: Undecryptable) => void): AesGcmCodec {
    return new AesGcmCodec(this.codecKeys, { undecryptable: 'mark', onMarked });
  }

  private undecryptable(undecryptable: Undecryptable): Payload {
    if (this.options.undecryptable !== 'mark') throw new UndecryptablePayloadError(undecryptable);
    this.options.onMarked?.(undecryptable);
    return {
      metadata: { [METADATA_ENCODING_KEY]: Buffer.from('json/plain') },
      data: Buffer.from(JSON.stringify(undecryptableMarker(undecryptable))),
    };
  }
}

/** AES-256-GCM: iv ‖ ciphertext ‖ tag. `aad` binds the ciphertext to its context (it must match to decrypt). */
export function encrypt(plain: Buffer, key: Buffer, aad?: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad) cipher.setAAD(aad);
  return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/** Throws when the key (or the aad) is not the one the data was encrypted with: GCM's tag does not authenticate. */
export function decrypt(sealed: Buffer, key: Buffer, aad?: Buffer): Buffer {
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  if (aad) decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
}

function malformed(keyId: string, detail: string): Undecryptable {
  return { keyId, reason: 'malformed', detail };
}
