// Every Graph call the sandbox answered, for tests and for the operator — with secrets redacted: a PIN, an OTP
// code, a token or a client secret never appears here (the outbox is the one place a code is readable).

export interface CallLogEntry {
  at: string;
  method: string;
  path: string;
  /** Normalised, e.g. 'POST /{phone-number-id}/register'. */
  endpoint: string;
  query: Record<string, unknown>;
  body: unknown;
  status: number;
  errorCode?: number;
}

const SECRET_KEYS = new Set([
  'pin',
  'code',
  'access_token',
  'client_secret',
  'input_token',
  'authorization',
  'verify_token',
  'hub.verify_token',
]);
export const REDACTED = '[REDACTED]';

/** A deep copy with every secret-named field replaced, at any depth. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, SECRET_KEYS.has(key.toLowerCase()) ? REDACTED : redact(inner)]),
  );
}

export class CallLog {
  private entries: CallLogEntry[] = [];
  private kept = Infinity;

  record(entry: CallLogEntry): void {
    this.entries.push({ ...entry, query: redact(entry.query) as Record<string, unknown>, body: redact(entry.body) });
    this.forgetOldest();
  }

  /** Keeps only the latest `count` calls from now on (a persisted sandbox, written whole at every answer). */
  keepLatest(count: number): void {
    this.kept = count;
    this.forgetOldest();
  }

  private forgetOldest(): void {
    if (this.entries.length > this.kept) this.entries.splice(0, this.entries.length - this.kept);
  }

  list(): CallLogEntry[] {
    return this.entries.map((e) => structuredClone(e));
  }

  clear(): void {
    this.entries = [];
  }

  /** Entries read back from a persisted sandbox: recorded (so redacted) already. */
  restore(entries: readonly CallLogEntry[]): void {
    this.entries = entries.map((e) => structuredClone(e));
  }
}
