// Graph failures as Temporal sees them: one ApplicationFailure type per kind, non-retryable where a retry
// cannot help (permanent) or must not be blind (rate limits: the workflow waits durably instead).
import { ApplicationFailure } from '@temporalio/activity';
import { GRAPH_FAILURE_TYPE, GRAPH_UNREACHABLE_TYPE } from '../domain/meta-error.js';
import { classifyGraphFailure } from '../graph/classify.js';
import { GraphError, GraphTransportError } from '../graph/errors.js';

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
  // Refused before sending (bad input, no token) or an answer of the wrong shape: no retry will change it.
  const failure = classifyGraphFailure(err);
  if (err instanceof Error && failure.errorClass === 'permanent') {
    return ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true });
  }
  return err;
}

/** Runs a Graph call and rethrows its failure in Temporal's terms. */
export async function graphCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toActivityFailure(err);
  }
}
