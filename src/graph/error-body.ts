// Turns Meta's error answer (docs/meta-graph-api.md#error-body) into a GraphError: the code, subcode, details and trace id it
// carries, the wait its rate-limit header states, and nothing of the request's secrets.
import { z } from 'zod';
import { GraphError } from './errors.js';
import { BUSINESS_USAGE_HEADER, regainAccessMs } from './usage-headers.js';

const metaErrorBody = z.object({
  error: z.object({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.number().int(),
    error_subcode: z.number().int().optional(),
    // Usually an object; some Graph errors send it as a JSON string, which carries no details numberflow reads.
    error_data: z.union([z.object({ details: z.string().optional() }), z.string()]).optional(),
    fbtrace_id: z.string().optional(),
  }),
});

/** Codes whose wait X-Business-Use-Case-Usage states; every other rate limit takes the table's wait. */
const USAGE_HEADER_CODES = new Set([4, 17, 80007, 80008]);

/** Codes whose wait Meta states in `details` (PIN guessing); the table's wait where the words name none. */
const DETAILS_WAIT_CODES = new Set([133008, 133009]);

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The longest wait taken from Meta's words: a longer one is waited this long, then the call is made again. */
const LONGEST_STATED_WAIT_MS = UNIT_MS.w!;

/** "1.5 hours", "30 min", "1h30m", "1,800 seconds": a number and its unit (not a word it begins: "2 months"). */
const WAIT_PART =
  /(\d{1,3}(?:,\d{3})+|\d{1,6}(?:\.\d{1,3})?)\s*(weeks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?![a-z])/i;
/** The end of a sentence: a wait named after a cue is looked for up to it. */
const SENTENCE_END = /[.;!?](?:\s|$)/;
/** Where the wait is named, before other numbers ("5 attempts in 24 h. Try again in 30 minutes"). */
const WAIT_CUE = /\b(?:again\s+(?:in|after)|retry\s+(?:in|after)|wait(?:\s+for)?|(?:blocked|locked)\s+for)\b/i;

const partMs = ([, amount = '', unit = '']: RegExpExecArray) =>
  Number(amount.replaceAll(',', '')) * (UNIT_MS[unit.toLowerCase().charAt(0)] ?? 0);

/**
 * The wait Meta's words name ("try again in 3 hours", "wait 1 h 30 min", "locked for 1.5 days"), or undefined when
 * they name none (Meta documents that `details` gives the wait, not how it words it): the first wait after a cue
 * ("again in", "wait"), else the first in the words, its parts that follow added up; past a week, a week.
 */
export function waitStatedIn(details: string | undefined): number | undefined {
  if (!details) return undefined;
  const cue = WAIT_CUE.exec(details);
  let rest = details;
  if (cue) {
    rest = details.slice(cue.index + cue[0].length);
    const end = SENTENCE_END.exec(rest);
    if (end) rest = rest.slice(0, end.index);
  }
  let ms = 0;
  for (let part = WAIT_PART.exec(rest); part; part = WAIT_PART.exec(rest)) {
    // Added up while the parts follow each other ("12 hours 30 minutes", "1 h, 5 min", "2 days and 3 hours").
    if (ms > 0 && !/^\s*(?:,|and)?\s*$/i.test(rest.slice(0, part.index))) break;
    ms += partMs(part);
    rest = rest.slice(part.index + part[0].length);
  }
  return ms > 0 ? Math.min(ms, LONGEST_STATED_WAIT_MS) : undefined;
}

export interface ErrorAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or undefined when the body was not JSON. */
  body: unknown;
  endpoint: string;
  /** The WABA the call was for: picks its entry in the usage header. */
  wabaId?: string;
  /** Values of this request that must never be repeated (token, app secret, PIN, code). */
  secrets: readonly string[];
}

/** True when the body is Meta's `{"error":{…}}` shape (Graph may send it even with a 2xx). */
export function isMetaErrorBody(body: unknown): boolean {
  return metaErrorBody.safeParse(body).success;
}

export function graphErrorFromAnswer(answer: ErrorAnswer): GraphError {
  const parsed = metaErrorBody.safeParse(answer.body);
  const traceHeader = headerValue(answer.headers['x-fb-trace-id']);
  if (!parsed.success) return errorWithoutMetaBody(answer, traceHeader);
  const { error } = parsed.data;
  const details = typeof error.error_data === 'object' ? error.error_data.details : undefined;
  return new GraphError({
    code: error.code,
    subcode: error.error_subcode,
    type: error.type,
    message: redact(error.message ?? `HTTP ${answer.status}`, answer.secrets),
    details: details === undefined ? undefined : redact(details, answer.secrets),
    fbtraceId: error.fbtrace_id ?? traceHeader,
    httpStatus: answer.status,
    retryAfterMs: USAGE_HEADER_CODES.has(error.code)
      ? regainAccessMs(answer.headers[BUSINESS_USAGE_HEADER], answer.wabaId)
      : DETAILS_WAIT_CODES.has(error.code)
        ? waitStatedIn(details)
        : undefined,
    endpoint: answer.endpoint,
  });
}

/**
 * A proxy, a load balancer or an outage page answered instead of Graph. The body is not quoted (an error page may
 * echo the URL and its query, which can hold the app secret); the HTTP status picks the closest table code:
 * 5xx and 408 → 2 "API Service" (transient), 429 → 4 (rate limited, table wait), 401 → 190 (re-auth),
 * 403 → 10 (permission), any other 4xx → 1 "API Unknown" (transient, so bounded retries, then a person looks).
 */
function errorWithoutMetaBody(answer: ErrorAnswer, fbtraceId: string | undefined): GraphError {
  return new GraphError({
    code: codeForStatus(answer.status),
    message: `HTTP ${answer.status} without a Graph error body`,
    fbtraceId,
    httpStatus: answer.status,
    endpoint: answer.endpoint,
  });
}

function codeForStatus(status: number): number {
  if (status >= 500 || status === 408) return 2;
  if (status === 429) return 4;
  if (status === 401) return 190;
  if (status === 403) return 10;
  return 1;
}

/** Replaces every secret of the request found in Meta's text (Graph sometimes quotes a parameter back). */
export function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => (secret.length >= 4 ? out.split(secret).join('[redacted]') : out), text);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
