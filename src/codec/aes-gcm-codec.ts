// Payload encryption: every payload Temporal stores (inputs, results, signal and update arguments, failures'
// details) is AES-256-GCM encrypted with a key id in its metadata, so keys can rotate: new payloads use the
// active key, old ones decrypt with the key they name. PINs, OTPs and tokens never reach history in clear.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto'; // CommonJS: its namespaces come through the default export

const ENCODING = 'binary/encrypted';
const METADATA_ENCODING_KEY = 'encoding';
const METADATA_KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const { Payload: PayloadMessage } = proto.temporal.api.common.v1;

export interface CodecKeys {
  /** The key new payloads are encrypted with. */
  activeKeyId: string;
  /** Every key that may still have to decrypt something: id → 32-byte key. */
  keys: ReadonlyMap<string, Buffer>;
}

export class AesGcmCodec implements PayloadCodec {
  constructor(private readonly codecKeys: CodecKeys) {
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
      data: encrypt(Buffer.from(PayloadMessage.encode(payload).finish()), key),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || Buffer.from(encoding).toString() !== ENCODING) return payload;
      const keyIdBytes = payload.metadata?.[METADATA_KEY_ID];
      if (!keyIdBytes) throw new ValueError('an encrypted payload has no key id');
      const keyId = Buffer.from(keyIdBytes).toString();
      const key = this.codecKeys.keys.get(keyId);
      if (!key) throw new ValueError(`no codec key "${keyId}" to decrypt a payload (was it rotated out?)`);
      if (!payload.data) throw new ValueError('an encrypted payload has no data');
      return PayloadMessage.decode(decrypt(Buffer.from(payload.data), key));
    });
  }
}

function encrypt(plain: Buffer, key: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

function decrypt(sealed: Buffer, key: Buffer): Buffer {
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
}
