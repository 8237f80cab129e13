// Before a client sends anything to journeys, it checks that the worker can read it and it can read the worker:
// a one-task `keyCheck` run echoes a nonce, encrypted on the way in with this client's active key and on the
// way back with the worker's. A worker that cannot decrypt the input fails the run naming the key; a client that
// cannot decrypt the answer throws naming the worker's key. Cheap (one workflow task), bounded, never left running.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import { workflowPollersSince } from '../temporal/pollers.js';
import { UNDECRYPTABLE_FAILURE_TYPE } from './undecryptable.js';
import { keysHeld } from './history-keys.js';
import { UndecryptablePayloadError, type CodecKeys } from './aes-gcm-codec.js';
import { TIMED_OUT, boundedWait } from '../temporal/bounded-wait.js';
import type { keyCheck } from '../workflows/key-check.js';

/** The keys of this client and of the worker do not match, or no worker answered. */
export class KeyCheckError extends Error {
  override readonly name = 'KeyCheckError';
  constructor(
    message: string,
    /** No worker polled or answered: one started (or done with what is ahead of it) lets the check through. */
    readonly tryAgain = false,
  ) {
    super(message);
  }
}

export interface KeyCheckOptions {
  taskQueue: string;
  keys: CodecKeys;
  /** How long to wait for a worker's answer. */
  timeoutMs?: number;
  /**
   * How much longer to wait when a worker polls but has not answered: busy with the tasks ahead of the check in its
   * queue (a bulk start's journeys), not absent. Told to `onBusy` first.
   */
  busyTimeoutMs?: number;
  onBusy?: (notice: string) => void;
}

export async function checkWorkerKeys(client: Client, options: KeyCheckOptions): Promise<void> {
  const { taskQueue, keys, timeoutMs = 5_000, onBusy } = options;
  const busyTimeoutMs = Math.min(options.busyTimeoutMs ?? 50_000, 100_000); // within the probe's 2 minutes
  // The keys come from NUMBERFLOW_CODEC_KEYS, or without it from the data folder's codec-keys.
  const here = keysHeld(keys, 'this client');
  // `since`: only pollers seen from then on (the server lists a stopped worker's for minutes after its last poll).
  const pollersOf = (since = 0) => workflowPollersSince(client, taskQueue, since);
  // A worker that has just started shows up once its first poll reached the server: look again briefly.
  let pollers = await pollersOf();
  for (let i = 0; i < 5 && pollers === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    pollers = await pollersOf();
  }
  if (pollers === 0)
    throw new KeyCheckError(
      `no worker is polling task queue ${taskQueue} in namespace "${client.options.namespace}" (TEMPORAL_NAMESPACE); start one (npm start, or npm run worker beside a cluster)`,
      true,
    );

  const nonce = randomUUID();
  const asked = Date.now();
  const handle = await client.workflow.start<typeof keyCheck>('keyCheck', {
    taskQueue,
    workflowId: `key-check:${nonce}`,
    args: [{ nonce }],
    workflowExecutionTimeout: '2 minutes', // ends by itself even if this client goes away before an answer
  });
  try {
    let answer = await boundedWait(client, timeoutMs, () => handle.result());
    // A worker busy with the tasks ahead of the check has polled within a long poll's minute; one stopped before
    // that has not (the server lists it for minutes after).
    const polled = answer === TIMED_OUT && (await pollersOf(asked - LONG_POLL_MS).catch(() => 0)) > 0;
    if (polled) {
      onBusy?.(
        `the worker on task queue ${taskQueue} has not answered the payload-key check within ${timeoutMs} ms: it is busy with the tasks ahead of it (a bulk start?), or stopped within the last minute; waiting up to ${Math.round(busyTimeoutMs / 1000)} s more`,
      );
      answer = await boundedWait(client, busyTimeoutMs, () => handle.result());
    }
    if (answer === TIMED_OUT) {
      await handle.terminate('key check unanswered').catch(() => undefined);
      throw new KeyCheckError(
        polled
          ? `the worker polling task queue ${taskQueue} did not answer the payload-key check within ${Math.round((timeoutMs + busyTimeoutMs) / 1000)} s: it is busy or stuck; try again shortly`
          : `no worker on task queue ${taskQueue} answered the payload-key check within ${timeoutMs} ms`,
        true,
      );
    }
    if (answer.nonce !== nonce) throw new KeyCheckError('the worker answered the key check with another nonce');
  } catch (err) {
    if (err instanceof KeyCheckError) throw err;
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
      if (err.cause.type === UNDECRYPTABLE_FAILURE_TYPE) {
        throw new KeyCheckError(
          `the worker on task queue ${taskQueue} cannot read this client: ${err.cause.message} (${here})`,
        );
      }
    }
    if (err instanceof UndecryptablePayloadError && err.undecryptable.reason === 'malformed') {
      throw new KeyCheckError(
        `the worker on task queue ${taskQueue} answers with a payload no key opens: ${err.message}`,
      );
    }
    if (err instanceof UndecryptablePayloadError) {
      throw new KeyCheckError(
        `the worker on task queue ${taskQueue} answers with key '${err.undecryptable.keyId}', which this client ` +
          `${err.undecryptable.reason === 'unknown-key' ? 'does not hold' : 'holds another of'} (${here})`,
      );
    }
    throw err;
  }
}

/** A poll the server holds open, at most, plus a margin: a live worker has polled within it. */
const LONG_POLL_MS = 70_000;
