// Graph failures as Temporal sees them: one ApplicationFailure type per kind, non-retryable where a retry
// cannot help (permanent) or must not be blind (rate limits: the workflow waits durably instead).
import { ApplicationFailure } from '@temporalio/activity';
import { GRAPH_FAILURE_TYPE, GRAPH_UNREACHABLE_TYPE } from '../domain/meta-error.js';
import { GraphError, GraphResponseError, GraphTransportError } from '../graph/errors.js';
import { GraphInputError } from '../graph/inputs.js';
import { MissingTokenError } from '../graph/tokens.js';

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
  if (err instanceof GraphResponseError || err instanceof GraphInputError || err instanceof MissingTokenError) {
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
