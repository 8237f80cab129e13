// The stores' database not answering (PostgreSQL restarting, a failover, the network): no caller's fault, and the
// same request may go through shortly — an API answers 503 `store_unavailable`, the command line exits 75, the
// webhook drain waits as for Temporal. Known by class and by the driver's words; no import of the driver.

/** Node's socket errors and pg-pool's own words for a connection that could not be made or was lost. */
const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EPIPE',
  'EAI_AGAIN',
]);
const CONNECTION_WORDS =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout|timeout expired/i;

export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  /** The command line exits 75 (src/cli/failure.ts). */
  readonly tryAgain = true;
  constructor(location: string, cause: unknown) {
    super(
      `the store's database at ${location} does not answer now (${cause instanceof Error ? cause.message : String(cause)}): try again shortly`,
      {
        cause,
      },
    );
  }
}

/**
 * Whether a database error is the connection's, not the statement's: a socket error, pg-pool's words for a lost or
 * unmade connection, or a SQLSTATE of class 08 (connection exception) or 57P01–57P03 (the server shutting down or
 * starting).
 */
export function lostConnection(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = String((err as { code?: unknown }).code ?? '');
  return (
    CONNECTION_ERRNOS.has(code) ||
    code.startsWith('08') ||
    /^57P0[123]$/.test(code) ||
    CONNECTION_WORDS.test(err.message)
  );
}

/** Whether an error, or one it wraps (5 deep at most), is the store not answering. */
export function storeNotAnswering(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Object && depth < 5; depth++) {
    if (e instanceof StoreUnavailableError) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
