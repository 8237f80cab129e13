// Temporal, or the worker a journey needs, not answering: gRPC's UNAVAILABLE (14) and DEADLINE_EXCEEDED (4), also
// wrapped by the SDK (a query no worker picks up ends, after the server's wait, as a ServiceError "Failed to query
// Workflow" caused by a DEADLINE_EXCEEDED). Neither is the caller's fault; trying again later may succeed. Read by
// shape, not class: the command line loads the Temporal SDK only when it talks to Temporal itself.

export type NotAnswering = 'unreachable' | 'timed_out' | 'no_worker';

/** Said by numberflow itself: a journey's worker that did not take an input in time, or is polling nowhere. */
export class NotAnsweringError extends Error {
  override readonly name = 'NotAnsweringError';
  constructor(
    readonly kind: NotAnswering,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Why Temporal did not answer, looking through the error's causes; null for any other error. Only a gRPC status
 * counts (its message starts with the code and its name, as grpc-js writes it): Meta's GraphError has a numeric code
 * too, and Meta's 4 is its app rate limit. A query Temporal refuses for want of a worker (FAILED_PRECONDITION, "no
 * poller seen for task queue recently") is no worker running: not the caller's fault either.
 */
export function temporalNotAnswering(err: unknown): NotAnswering | null {
  if (err instanceof NotAnsweringError) return err.kind;
  for (const message of messagesThrough(err)) {
    if (/^14 UNAVAILABLE\b/.test(message)) return 'unreachable';
    if (/^4 DEADLINE_EXCEEDED\b/.test(message)) return 'timed_out';
    if (/^9 FAILED_PRECONDITION\b.*\bno poller seen\b/.test(message)) return 'no_worker';
  }
  return null;
}

/** What to tell a caller when Temporal did not answer: numberflow's own words where it said them. */
export function notAnsweringMessage(err: unknown, kind: NotAnswering): string {
  return err instanceof NotAnsweringError ? err.message : notAnsweringMessages[kind];
}

/** The messages of an error and of the causes it wraps (the SDK's around gRPC's), outermost first, 5 deep at most. */
export function* messagesThrough(err: unknown): Generator<string> {
  for (let e: unknown = err, depth = 0; e instanceof Object && depth < 5; depth++) {
    const { message, cause } = e as { message?: unknown; cause?: unknown };
    if (typeof message === 'string') yield message;
    e = cause;
  }
}

/** What to tell a caller when Temporal did not answer. */
export const notAnsweringMessages: Record<NotAnswering, string> = {
  unreachable: 'Temporal cannot be reached now; try again shortly',
  no_worker:
    "no worker is polling the journeys' task queue now (Temporal has seen none recently): try again once one runs",
  timed_out:
    "Temporal or the journey's worker did not answer in time; try again shortly, and check that a worker is running",
};

/**
 * Temporal's refusal of a request for what it carries (gRPC INVALID_ARGUMENT naming a length or size past its limits:
 * a workflow id too long, a payload too large), looking through the error's causes: its message, or null for any
 * other error. Sent again, it would be refused again. Other INVALID_ARGUMENTs are not taken for it: a search
 * attribute not registered yet, say, is mended by configuration.
 */
export function temporalRefusedRequest(err: unknown): string | null {
  for (const message of messagesThrough(err))
    if (/^3 INVALID_ARGUMENT\b/.test(message) && CARRIED_PAST_LIMITS.test(message)) return message;
  return null;
}

/**
 * The server's words for what a change carries, as versions put it: "WorkflowId exceeds maximum allowed length
 * (2011/1000)" (the dev server here), "WorkflowId length exceeds limit.", "Blob data size exceeds limit.", a memo's or
 * search attributes' size. Not a task queue's or a signal's name, which configuration sets.
 */
const CARRIED_PAST_LIMITS =
  /\bWorkflowId (length exceeds|exceeds maximum allowed length)|\bBlob data size exceeds|\bmemo size exceeds|search attributes?\b.*\bexceeds size limit/i;

/** What a run whose workflow task keeps failing answers people, by the API (503) and the command line. */
export const WORKFLOW_TASK_FAILING =
  "the journey (or portfolio) cannot answer now: its workflow task fails on the worker (the worker's log says why: a key it lacks, say, or a history a worker older than the one that wrote it cannot replay); it answers again once that is mended";

/**
 * Temporal's refusal to query a run whose workflow task fails on every attempt (a worker's bug, a key it lacks), or
 * Core's nondeterminism error replaying it for the query (an update the worker cannot open, say).
 */
export function workflowTaskFailing(err: unknown): boolean {
  return [...messagesThrough(err)].some((message) =>
    /workflow task in failed state|\[TMPRL1100\] Nondeterminism/i.test(message),
  );
}

/**
 * Temporal's refusal of a visibility query naming a search attribute its namespace lacks: a namespace no worker or
 * service of numberflow has started on (they register the attributes), which so holds no journey.
 */
export function searchAttributesUnknown(err: unknown): boolean {
  return [...messagesThrough(err)].some((message) => /^3 INVALID_ARGUMENT\b.*invalid search attribute/i.test(message));
}
