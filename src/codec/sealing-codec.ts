// The codec layer that seals secrets inside payloads, before the payload-encryption codec: a `json/plain` payload's
// string values under the secret field names (src/domain/secrets.ts) become sealed envelopes (sealing.ts). Whoever
// decrypts a payload for display — an auditor through the codec server — reads every other field in clear and
// "[sealed]" in place of a code, PIN or token. Payload codecs run outside the workflow sandbox: node:crypto is fine.
import type { Payload, PayloadCodec } from '@temporalio/common';
import { ConfigError } from '../config.js';
import { SEALED_PLACEHOLDER, secretFieldNames } from '../domain/secrets.js';
import {
  isSealedEnvelope,
  seal,
  sealedEnvelopeSchema,
  unseal,
  UnsealableSecretError,
  type SealedEnvelope,
  type SealingKey,
  type SecretsKeyring,
} from './sealing.js';
import { UndecryptablePayloadError } from './aes-gcm-codec.js';
import { undecryptableMarker, type Undecryptable } from './undecryptable.js';

const JSON_ENCODING = 'json/plain';
/** A secret field with a string value somewhere in the JSON text (false positives only cost a parse). */
const MAY_HOLD_SECRET = new RegExp(`"(?:${[...secretFieldNames].join('|')})"\\s*:\\s*"`);
const MAY_HOLD_ENVELOPE = /"\$sealed"\s*:/;

export interface SealingCodecOptions {
  /**
   * What decoding does with a sealed secret: 'unseal' it with a private key held here (a secret of another key stays
   * sealed), or 'redact' it to "[sealed]" for display. Without private keys, 'unseal' leaves every envelope as it is.
   */
  decode?: 'unseal' | 'redact';
  /**
   * 'throw' (clients): an altered secret fails the decoding. 'mark' (workers): a secret it cannot open turns the
   * whole payload into the undecryptable marker, which fails the workflow or refuses the update, naming the key.
   */
  unsealable?: 'throw' | 'mark';
  /** With 'mark': told of each secret marked (the worker's log names the key: a replay's failed task may not). */
  onMarked?: (undecryptable: Undecryptable) => void;
}

export class SealingCodec implements PayloadCodec {
  constructor(
    readonly keys: SecretsKeyring,
    private readonly options: SealingCodecOptions = {},
  ) {}

  /** Whether this codec opens sealed secrets (it holds a private key and decodes with 'unseal'). */
  get unseals(): boolean {
    return this.options.decode !== 'redact' && this.keys.unseal.size > 0;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.rewrite(payload, MAY_HOLD_SECRET, (value) => sealSecrets(value, this.keys)));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      try {
        return this.rewrite(payload, MAY_HOLD_ENVELOPE, (value) => this.opened(value));
      } catch (err) {
        if (!(err instanceof UnsealableSecretError)) throw err;
        const undecryptable: Undecryptable = {
          keyId: err.kid,
          reason: err.reason,
          layer: 'secret',
          ...(err.reason === 'malformed' ? { detail: err.message } : {}),
        };
        if (this.options.unsealable === 'mark') {
          this.options.onMarked?.(undecryptable);
          return jsonPayload(undecryptableMarker(undecryptable));
        }
        if (err.reason === 'malformed') throw new UndecryptablePayloadError(undecryptable);
        throw err;
      }
    });
  }

  /** The same keys, for a worker: it must unseal, and a secret it cannot open marks its payload. */
  marking(onMarked?: (undecryptable: Undecryptable) => void): SealingCodec {
    if (this.keys.unseal.size === 0) {
      throw new Error(
        'a worker needs NUMBERFLOW_SECRETS_KEY (the private secrets key): it unseals PINs and codes to call Meta',
      );
    }
    return new SealingCodec(this.keys, { decode: 'unseal', unsealable: 'mark', onMarked });
  }

  /** For display (the codec server): sealed secrets read "[sealed]", whatever keys this process holds. */
  redacting(): SealingCodec {
    return new SealingCodec(this.keys, { decode: 'redact' });
  }

  private opened(value: unknown): unknown {
    return mapEnvelopes(value, (envelope, found) => {
      if (this.options.decode === 'redact') return envelope ? SEALED_PLACEHOLDER : MALFORMED_PLACEHOLDER;
      if (!envelope) throw new UnsealableSecretError(kidOf(found), 'malformed');
      const privateKey = this.keys.unseal.get(envelope.kid);
      if (privateKey) return unseal(envelope, privateKey);
      // A worker must open everything it is given; a client keeps what it cannot read.
      if (this.options.unsealable === 'mark') throw new UnsealableSecretError(envelope.kid, 'unknown-key');
      return envelope;
    });
  }

  /**
   * Applies `change` to a JSON payload's value; other payloads, and unchanged values, pass as they are. Text that
   * `mayChange` rules out is not parsed at all (most payloads hold no secret: a portfolio's state, a query's view).
   */
  private rewrite(payload: Payload, mayChange: RegExp, change: (value: unknown) => unknown): Payload {
    if (!payload.data || Buffer.from(payload.metadata?.encoding ?? []).toString() !== JSON_ENCODING) return payload;
    const text = Buffer.from(payload.data).toString('utf8');
    if (!mayChange.test(text)) return payload;
    const value: unknown = JSON.parse(text);
    const changed = change(value);
    if (changed === value) return payload;
    return { ...payload, data: Buffer.from(JSON.stringify(changed)) };
  }
}

/** The value with the secret fields' strings sealed; the same object when there was nothing to seal. */
function sealSecrets(value: unknown, keys: SecretsKeyring): unknown {
  if (Array.isArray(value))
    return sameOrCopy(
      value,
      value.map((item) => sealSecrets(item, keys)),
    );
  if (typeof value !== 'object' || value === null || isSealedEnvelope(value)) return value;
  const entries = Object.entries(value).map(([name, field]): [string, unknown] => [
    name,
    secretFieldNames.has(name) && typeof field === 'string' ? seal(field, sealingKey(keys)) : sealSecrets(field, keys),
  ]);
  return entries.some(([name, field]) => field !== (value as Record<string, unknown>)[name])
    ? Object.fromEntries(entries)
    : value;
}

/**
 * The value with every sealed envelope replaced by `open(envelope)` (null for one that is malformed); the same object
 * when there was none.
 */
function mapEnvelopes(value: unknown, open: (envelope: SealedEnvelope | null, found: object) => unknown): unknown {
  if (Array.isArray(value))
    return sameOrCopy(
      value,
      value.map((item) => mapEnvelopes(item, open)),
    );
  if (typeof value !== 'object' || value === null) return value;
  if (isSealedEnvelope(value)) {
    const envelope = sealedEnvelopeSchema.safeParse(value);
    if (!envelope.success) return open(null, value);
    const opened = open(envelope.data, value);
    return opened === envelope.data ? value : opened; // kept sealed: the payload stays as it was
  }
  const entries = Object.entries(value).map(([name, field]): [string, unknown] => [name, mapEnvelopes(field, open)]);
  return entries.some(([name, field]) => field !== (value as Record<string, unknown>)[name])
    ? Object.fromEntries(entries)
    : value;
}

/** What a display shows for a sealed secret that is no envelope (sent by hand). */
const MALFORMED_PLACEHOLDER = '[sealed, malformed]';

/** The key id a malformed envelope names, if any (said in the refusal; never its other fields). */
function kidOf(value: object): string {
  const { kid } = value as { kid?: unknown };
  return typeof kid === 'string' ? kid.slice(0, 64) : '';
}

function sameOrCopy<T>(original: T[], mapped: T[]): T[] {
  return mapped.some((item, i) => item !== original[i]) ? mapped : original;
}

function jsonPayload(value: unknown): Payload {
  return { metadata: { encoding: Buffer.from(JSON_ENCODING) }, data: Buffer.from(JSON.stringify(value)) };
}

function sealingKey(keys: SecretsKeyring): SealingKey {
  if (keys.seal) return keys.seal;
  throw new ConfigError(
    'NUMBERFLOW_SECRETS_PUBLIC_KEY (or NUMBERFLOW_SECRETS_KEY) is required to send a code, a PIN or a token: ' +
      'it seals them before they leave this process',
  );
}
