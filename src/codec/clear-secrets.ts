// The worker's first decoding step: a payload that came unencrypted (plain JSON, as `temporal workflow update` or
// `signal` send `--input` without a codec endpoint) with a secret field's string in clear becomes a marker, which the
// workflow interceptor refuses (an update: it never reaches history) or drops (a signal). numberflow's own payloads are
// always encrypted, and their secrets sealed: none is plain. Payload codecs run outside the workflow sandbox.
import type { Payload, PayloadCodec } from '@temporalio/common';
import { secretFieldNames } from '../domain/secrets.js';
import { isSealedEnvelope } from './sealing.js';
import { inClearMarker } from './undecryptable.js';

const JSON_ENCODING = 'json/plain';

export class ClearSecretsGuard implements PayloadCodec {
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads;
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const found = plainSecret(payload);
      if (!found) return payload;
      return { ...payload, data: Buffer.from(JSON.stringify(inClearMarker(found.field, found.value))) };
    });
  }
}

/** The secret field a payload sent by hand (plain JSON) holds in clear, or null: what the auditor is told. */
export function secretSentInClear(payloads: readonly Payload[] | null | undefined): string | null {
  for (const payload of payloads ?? []) {
    const found = plainSecret(payload);
    if (found) return found.field;
  }
  return null;
}

function plainSecret(payload: Payload): { field: string; value: unknown } | null {
  if (!payload.data || Buffer.from(payload.metadata?.encoding ?? []).toString() !== JSON_ENCODING) return null;
  // Every plain payload is parsed (a worker meets them only when sent by hand): a text search for the field names
  // would miss one spelt with JSON escapes ("\u0063ode").
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload.data).toString('utf8'));
  } catch {
    return null; // not JSON after all: the converter says so
  }
  const field = secretInClear(value);
  return field === null ? null : { field, value };
}

/**
 * How deep the search goes: numberflow's messages hold their secrets at the top or a level or two down; a value
 * nested past this (sent by hand) is not searched further, rather than overflow the stack and fail the decoding.
 */
const MAX_DEPTH = 32;

/** The name of the first secret field holding a string (not a sealed envelope) in the value; or null. */
function secretInClear(value: unknown, depth = 0): string | null {
  if (depth > MAX_DEPTH) return null;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = secretInClear(item, depth + 1);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof value !== 'object' || value === null || isSealedEnvelope(value)) return null;
  for (const [name, field] of Object.entries(value)) {
    if (secretFieldNames.has(name) && typeof field === 'string' && field !== '') return name;
    const found = secretInClear(field, depth + 1);
    if (found !== null) return found;
  }
  return null;
}
