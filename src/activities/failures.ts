// Graph failures as Temporal sees them: one ApplicationFailure type per kind, non-retryable where a retry
// cannot help (permanent) or must not be blind (rate limits: the workflow waits durably instead).
import { ApplicationFailure, Context } from '@temporalio/activity';
import { GRAPH_FAILURE_TYPE, GRAPH_UNREACHABLE_TYPE, TOKEN_STORE_UNAVAILABLE_TYPE } from '../domain/meta-error.js';
import { classifyGraphFailure } from '../graph/classify.js';
import { GraphError, GraphTransportError } from '../graph/errors.js';
import { TokenStoreUnavailableError } from '../graph/tokens.js';

/** Activities heartbeat this often while a call runs, so a dead worker is noticed within the heartbeat timeout. */
const HEARTBEAT_EVERY_MS = 3_000;

export function toActivityFailure(err: unknown): unknown {
  if (err instanceof GraphError) {
    return ApplicationFailure.create({
      type: GRAPH_FAILURE_TYPE,
      message: err.message,
      nonRetryable: err.errorClass !== 'transient',
      details: [err.toSummary()],
    });
  }
  if (err instanceof GraphTransportError) {
    return ApplicationFailure.create({ type: GRAPH_UNREACHABLE_TYPE, message: err.message, nonRetryable: false });
  }
  if (err instanceof TokenStoreUnavailableError) {
    return ApplicationFailure.create({ type: TOKEN_STORE_UNAVAILABLE_TYPE, message: err.message, nonRetryable: false });
  }
  // Refused before sending (bad input, no token) or an answer of the wrong shape: no retry will change it.
  const failure = classifyGraphFailure(err);
  if (err instanceof Error && failure.errorClass === 'permanent') {
    return ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true });
  }
  return err;
}

/** Runs a Graph call, heartbeating meanwhile, and rethrows its failure in Temporal's terms. */
export async function graphCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await heartbeating(call);
  } catch (err) {
    throw toActivityFailure(err);
  }
}

/** Runs `work` while telling Temporal the activity is alive (a no-op outside an activity). */
export async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  let context: Context | null = null;
  try {
    context = Context.current();
  } catch {
    return work(); // called directly (a test), not as an activity
  }
  // A local activity is watched through its workflow task instead; out of time, it is cancelled and stops waiting
  // (the call itself goes on: Meta may still take it, which the activity taking over reads first).
  if (context.info.isLocal) return Promise.race([work(), context.cancelled]);
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
