// The hash of a start request kept beside its Idempotency-Key: the same request again hashes the same, so a retry
// finds its journey, and the key sent with another request is a conflict. Shared by the API and the CLI's direct mode.
import { createHash } from 'node:crypto';
import { defaultCodeMethod, type CheckedJourneyRequest } from '../domain/journey-input.js';
import type { CodeMethod } from '../domain/journey.js';

/**
 * SHA-256 (hex) of the request as checked (the number as E.164) and who sends it. Only what the caller gave counts:
 * no default taken from the clock (signupAt), so a retry an hour later is the same request. signupAt is an instant:
 * written another way (an offset, milliseconds a client library adds) it is the same request. The hashes earlier
 * versions kept of the same request, where they differ, come beside it: `asWritten` (signupAt as written, codeMethod's
 * default by ivr alone: the first versions', and what a batch row's key is made of) and the one with signupAt as an
 * instant under that default; a key kept then still finds its request.
 */
export function startRequestHashes(
  request: Omit<CheckedJourneyRequest, 'requestedBy'>,
  e164: string,
  by: string,
): { requestHash: string; requestHashesBefore?: string[]; asWritten: string } {
  const { signupAt } = request;
  const asInstant = { ...request, signupAt: signupAt === undefined ? undefined : canonicalInstant(signupAt) };
  const byIvrAlone = request.ivr ? 'VOICE' : 'SMS';
  const requestHash = hashAsGiven(asInstant, e164, by, defaultCodeMethod(request.ivr, e164));
  const asWritten = hashAsGiven(request, e164, by, byIvrAlone);
  const before = [asWritten, hashAsGiven(asInstant, e164, by, byIvrAlone)].filter(
    (hash, i, all) => hash !== requestHash && all.indexOf(hash) === i,
  );
  return { requestHash, ...(before.length > 0 ? { requestHashesBefore: before } : {}), asWritten };
}

/** The instant as ISO 8601 in UTC, its milliseconds only when there are any (as most write it, and keys kept were). */
function canonicalInstant(iso: string): string {
  return new Date(iso).toISOString().replace(/\.000Z$/, 'Z');
}

function hashAsGiven(
  request: Omit<CheckedJourneyRequest, 'requestedBy'>,
  e164: string,
  by: string,
  defaultMethod: CodeMethod,
): string {
  // codeMethod's default follows the request, so the schema leaves it out: the default given is the request that left
  // it out (hashed as left out, as keys kept from before were).
  const { codeMethod, ...rest } = request;
  const method = codeMethod === undefined || codeMethod === defaultMethod ? {} : { codeMethod };
  return createHash('sha256')
    .update(canonicalJson({ ...rest, ...method, phoneNumber: e164, by }))
    .digest('hex');
}

/** JSON with every object's keys sorted, so the same request always reads the same. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
