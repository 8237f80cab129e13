// What the journey operations refuse with, for the CLI and the HTTP API to explain (the API maps each to a status).

/** The number has a journey in progress already (a number is onboarded by one journey at a time). */
export class JourneyConflictError extends Error {
  override readonly name = 'JourneyConflictError';
  constructor(
    message: string,
    readonly workflowId: string,
    readonly runId: string | null = null,
  ) {
    super(message);
  }
}

/** No journey for the number (or none its caller may see: the answer is the same). */
export class JourneyNotFoundError extends Error {
  override readonly name = 'JourneyNotFoundError';
}

/** The number's journey has ended: it takes no more input (a new journey onboards the number again). */
export class JourneyEndedError extends Error {
  override readonly name = 'JourneyEndedError';
}

/** An Idempotency-Key that was used for another request. */
export class IdempotencyConflictError extends Error {
  override readonly name = 'IdempotencyConflictError';
}
