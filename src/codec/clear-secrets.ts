// The worker's first decoding step: a payload that came unencrypted (plain JSON, as `temporal workflow update` or
// `signal` send `--input` without a codec endpoint) with a secret field's string in clear becomes a marker, which the
// workflow interceptor refuses (an update: it never reaches history) or drops (a signal). numberflow's own payloads are
// always encrypted, and their secrets sealed: none is plain. Payload codecs run outside the workflow sandbox.
import type { Payload, PayloadCodec } from '@temporalio/common';
import { secretFieldNames } from '../domain/secrets.js';
import { isSealedEnvelope } from './sealing.js';
import { inClearMarker } from './undecryptable.js';

const JSON_ENCODING = 'json/plain';
/** A secret field with a string value somewhere in the JSON text (false positives only cost a parse). */
const MAY_HOLD_SECRET = new RegExp(`"(?:${[...secretFieldNames].join('|')})"\\s*:\\s*"`);

export class ClearSecretsGuard implements PayloadCodec {
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads;
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (!payload.data || Buffer.from(payload.metadata?.encoding ?? []).toString() !== JSON_ENCODING) return payload;
      const text = Buffer.from(payload.data).toString('utf8');
      if (!MAY_HOLD_SECRET.test(text)) return payload;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return payload; // not JSON after all: the converter says so
      }
      const field = secretInClear(value);
      if (field === null) return payload;
      return { ...payload, data: Buffer.from(JSON.stringify(inClearMarker(field, value))) };
    });
  }
}

/** The name of the first secret field holding a string (not a sealed envelope), anywhere in the value; or null. */
function secretInClear(value: unknown): string | null {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = secretInClear(item);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof value !== 'object' || value === null || isSealedEnvelope(value)) return null;
  for (const [name, field] of Object.entries(value)) {
    if (secretFieldNames.has(name) && typeof field === 'string' && field !== '') return name;
    const found = secretInClear(field);
    if (found !== null) return found;
  }
  return null;
}
