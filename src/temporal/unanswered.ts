// Temporal, or the worker a journey needs, not answering: gRPC's UNAVAILABLE (14) and DEADLINE_EXCEEDED (4), also
// wrapped by the SDK (a query no worker picks up ends, after the server's wait, as a ServiceError "Failed to query
// Workflow" caused by a DEADLINE_EXCEEDED). Neither is the caller's fault; trying again later may succeed. Read by
// shape, not class: the command line loads the Temporal SDK only when it talks to Temporal itself.

export type NotAnswering = 'unreachable' | 'timed_out';

const byCode = new Map<number, NotAnswering>([
  [14, 'unreachable'],
  [4, 'timed_out'],
]);

/** Why Temporal did not answer, looking through the error's causes; null for any other error. */
export function temporalNotAnswering(err: unknown): NotAnswering | null {
  for (let e: unknown = err, depth = 0; e instanceof Object && depth < 5; depth++) {
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    const coded = typeof code === 'number' ? byCode.get(code) : undefined;
    if (coded) return coded;
    if (typeof message === 'string') {
      if (/^14 UNAVAILABLE\b/.test(message)) return 'unreachable';
      if (/^4 DEADLINE_EXCEEDED\b/.test(message)) return 'timed_out';
    }
    e = cause;
  }
  return null;
}

/** What to tell a caller when Temporal did not answer. */
export const notAnsweringMessages: Record<NotAnswering, string> = {
  unreachable: 'Temporal cannot be reached now; try again shortly',
  timed_out:
    "Temporal or the journey's worker did not answer in time; try again shortly, and check that a worker is running",
};
