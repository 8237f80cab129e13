// What a worker's codec decodes a payload it cannot decrypt to, and how workflow code recognises it. Failing the
// workflow task instead (the client codec's way) would retry for ever and keep the number's workflow id taken.
// Workflow-safe: the workflow interceptor imports it.
import { ApplicationFailure } from '@temporalio/common';

/** The marker's single property; a name no payload of numberflow's own has. */
export const UNDECRYPTABLE_PROPERTY = '$numberflowUndecryptablePayload';

/** The failure type of a workflow, update or query refused for an undecryptable payload. */
export const UNDECRYPTABLE_FAILURE_TYPE = 'UndecryptablePayload';

export interface Undecryptable {
  keyId: string;
  /**
   * 'unknown-key': no key of that id here; 'wrong-key': a key of that id here, but another one; 'malformed': no key
   * could open it (an encrypted payload without its key id, a sealed secret that is no envelope: sent by hand).
   */
  reason: 'unknown-key' | 'wrong-key' | 'malformed';
  /** What is malformed, for 'malformed'. */
  detail?: string;
  /** Which key: the payload key (absent, from before sealing existed) or the secrets key of a sealed field. */
  layer?: 'payload' | 'secret';
}

export interface UndecryptableMarker {
  [UNDECRYPTABLE_PROPERTY]: Undecryptable;
}

export function undecryptableMarker(undecryptable: Undecryptable): UndecryptableMarker {
  return { [UNDECRYPTABLE_PROPERTY]: undecryptable };
}

/** The first marker under `property` among `values` whose `key` is a string; undefined when none is. */
function findMarker<T>(values: readonly unknown[], property: string, key: keyof T): T | undefined {
  for (const value of values) {
    if (!markedBy(value, property)) continue;
    const marker = (value as Record<string, T | undefined>)[property];
    if (typeof marker?.[key] === 'string') return marker;
  }
  return undefined;
}

/** The first undecryptable value among `values` (a workflow's input, an update's or signal's arguments). */
export function findUndecryptable(values: readonly unknown[]): Undecryptable | undefined {
  return findMarker<Undecryptable>(values, UNDECRYPTABLE_PROPERTY, 'keyId');
}

/** How a workflow refuses values it cannot open: a failure naming the key, never retried; undefined if it can. */
export function undecryptableRefusal(values: readonly unknown[]): ApplicationFailure | undefined {
  const undecryptable = findUndecryptable(values);
  if (!undecryptable) return undefined;
  return ApplicationFailure.create({
    type: UNDECRYPTABLE_FAILURE_TYPE,
    nonRetryable: true,
    message: describeUndecryptable(undecryptable),
  });
}

/** Why the worker cannot open what a key of that id sealed or encrypted, after the key's name. */
function workerKeyWords(reason: Undecryptable['reason']): string {
  return reason === 'unknown-key' ? 'which this worker does not hold' : 'but this worker holds another key of that id';
}

/** A worker's log line for a key it lacks: what a run that took such a payload waits for, and what a new one meets. */
export function keyMissingWords({ keyId: given, reason, layer }: Undecryptable): string {
  const keyId = given.replace(/[^\x20-\x7e]/g, '?').slice(0, 64); // as it came with the payload
  const variable = layer === 'secret' ? 'NUMBERFLOW_SECRETS_KEY' : 'NUMBERFLOW_CODEC_KEYS';
  const what =
    layer === 'secret' ? `a secret sealed with secrets key '${keyId}'` : `a payload encrypted with key '${keyId}'`;
  return (
    `${what} came to this worker, ${workerKeyWords(reason)}: a run that took it before waits, its workflow task ` +
    `failing (a nondeterminism error, when the payload is an update's), until the key is in ${variable}; a new ` +
    'update or run with it is refused, a signal dropped'
  );
}

/** Names the key and what to do; never the payload (it may hold a code or a PIN). */
export function describeUndecryptable({ keyId, reason, layer, detail }: Undecryptable): string {
  if (reason === 'malformed') {
    return `${detail ?? 'a payload is malformed'}: no key opens it; send it through numberflow's API or command line`;
  }
  const why = workerKeyWords(reason);
  if (layer === 'secret') {
    const secretWhy = reason === 'unknown-key' ? why : 'and failed authentication (altered, or another key of that id)';
    return (
      `a secret in the payload is sealed with secrets key '${keyId}' ${secretWhy}; give the worker the ` +
      `NUMBERFLOW_SECRETS_KEY whose public key the client seals with (NUMBERFLOW_SECRETS_PUBLIC_KEY) and send it again`
    );
  }
  return (
    `payload encrypted with key '${keyId}' ${why}; give the client and the worker the same ` +
    `NUMBERFLOW_CODEC_KEYS (the client's key must be among the worker's) and send it again`
  );
}

/** How KeyMissingInReplay's message begins: a client reads it back from a failed query or task by its words. */
export const KEY_MISSING_IN_REPLAY = "cannot replay this workflow's history:";

/** Whether a client's error (a query a worker could not answer, say) is a worker's KeyMissingInReplay. */
export function isKeyMissingInReplay(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith(KEY_MISSING_IN_REPLAY);
}

/**
 * A payload of a history the worker took before and replays now (its cache lost: a restart) that it can no longer
 * open: a key was taken away too early. Ending the run, or dropping what it took then, would end a journey for a
 * configuration slip (and replay would not match its history): the workflow task fails naming the key instead, and
 * is retried until a worker holds the key again. A plain Error: the SDK fails the task, not the workflow.
 */
export class KeyMissingInReplay extends Error {
  override readonly name = 'KeyMissingInReplay';

  constructor({ keyId, reason, layer }: Undecryptable) {
    const variable = layer === 'secret' ? 'NUMBERFLOW_SECRETS_KEY' : 'NUMBERFLOW_CODEC_KEYS';
    const what =
      layer === 'secret' ? `a secret sealed with secrets key '${keyId}'` : `a payload encrypted with key '${keyId}'`;
    const why = workerKeyWords(reason);
    super(
      `${KEY_MISSING_IN_REPLAY} ${what}, ${why} — put it back in ${variable} (a key stays while a run ` +
        'that used it is open); a running workflow waits, its workflow task retried, until a worker holds it',
    );
  }
}

/**
 * What a worker's codec decodes a payload to when it came unencrypted with a secret in clear (sent by hand: `temporal
 * workflow update` or `signal` with plain JSON `--input`): numberflow does not use it. The value as it came is kept
 * beside, for runs that took such a message before this check existed and replay so.
 */
export const IN_CLEAR_PROPERTY = '$numberflowSecretInClear';

export interface SecretInClear {
  /** The secret field that held a string in clear: code, pin, token… */
  field: string;
}

export interface InClearMarker {
  [IN_CLEAR_PROPERTY]: SecretInClear;
  value: unknown;
}

export function inClearMarker(field: string, value: unknown): InClearMarker {
  return { [IN_CLEAR_PROPERTY]: { field }, value };
}

/** The first value among `values` that came with a secret in clear. */
export function findInClear(values: readonly unknown[]): SecretInClear | undefined {
  return findMarker<SecretInClear>(values, IN_CLEAR_PROPERTY, 'field');
}

/** The values as they came, each marker replaced by the value it keeps. */
export function asTheyCame(values: readonly unknown[]): unknown[] {
  return values.map((value) => (markedBy(value, IN_CLEAR_PROPERTY) ? (value as InClearMarker).value : value));
}

/** Whether a value is a marker: an object with the marker's property. */
function markedBy(value: unknown, property: string): value is object {
  return typeof value === 'object' && value !== null && property in value;
}

/** Why numberflow does not use it, and how to send it; never the secret. */
export function describeInClear({ field }: SecretInClear): string {
  return (
    `the ${field} was sent unencrypted, in clear, so numberflow does not use it: send it through numberflow's API or ` +
    `command line, or with the Temporal CLI's --codec-endpoint pointed at numberflow's codec server, which seals it`
  );
}
