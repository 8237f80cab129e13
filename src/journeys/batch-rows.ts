// The rows of a bulk start (an import file, or POST /v1/journeys:batch), every one checked before any starts: each
// against the start schema, and the file as a whole for a number given twice. Each good row carries the idempotency
// key made from its normalized content, so the same row sent again finds the journey it started. A row past its
// Embedded Signup window fails at its start, not here: sent again, it finds the journey it started, window or not.
import {
  journeyRequestSchema,
  JourneyInputError,
  parseJourneyRequest,
  type JourneyRequest,
} from '../domain/journey-input.js';
import type { JourneyInput } from '../domain/journey.js';
import { parsePhoneNumber } from '../domain/phone.js';
import type { RowResult } from './batch-start.js';
import { startRequestHashes } from './request-hash.js';

/** A row as given: where it came from (a file's line, a request's index) and its fields. */
export interface BatchRow {
  line: number;
  fields: unknown;
}

export interface CheckedRow {
  line: number;
  /** The fields as given (what API mode sends on). */
  fields: Record<string, unknown>;
  input: JourneyInput;
  /**
   * `batch:` and the row's hash as written: the same row from any file, any caller, finds the same journey (a file
   * imported before `signupAt` was hashed as an instant too; a row whose time is written another way is another key).
   */
  idempotencyKey: string;
  requestHash: string;
  /** The hashes as kept before, where they differ (request-hash.ts). */
  requestHashesBefore?: string[];
}

export interface RowProblems {
  line: number;
  /** "field: message", one per problem. */
  problems: string[];
}

export interface CheckedRows {
  good: CheckedRow[];
  bad: RowProblems[];
}

/** Who sends the rows is not part of a row: the caller (the CLI's --by, the API's principal) starts them. */
const actorFields = ['requestedBy'] as const;

/**
 * Checks every row; a number on two rows makes both bad, naming them by `place` (a file's "lines"; a request's
 * "rows", its indexes). `by` is recorded as who starts each journey.
 */
export function checkRows(
  rows: readonly BatchRow[],
  by: string,
  { now = new Date(), place = 'lines' }: { now?: Date; place?: 'lines' | 'rows' } = {},
): CheckedRows {
  const good: CheckedRow[] = [];
  const bad = new Map<number, string[]>();
  const problem = (line: number, message: string) => bad.set(line, [...(bad.get(line) ?? []), message]);
  for (const row of rows) {
    const checked = checkRow(row, by, now);
    if ('problems' in checked) for (const p of checked.problems) problem(row.line, p);
    else good.push(checked);
  }
  // Every row whose number reads counts, bad ones too: a good row must not start beside a bad row of its number.
  const linesOf = new Map<string, number[]>();
  const goodNumbers = new Map(good.map((row) => [row.line, row.input.phoneNumber.e164]));
  for (const row of rows) {
    const e164 = goodNumbers.get(row.line) ?? rowNumber(row.fields);
    if (e164 !== null) linesOf.set(e164, [...(linesOf.get(e164) ?? []), row.line]);
  }
  for (const [e164, lines] of linesOf) {
    if (lines.length < 2) continue;
    for (const line of lines)
      problem(line, `phoneNumber: ${e164} is on more than one row (${place} ${lines.join(', ')})`);
  }
  return {
    good: good.filter((row) => !bad.has(row.line)),
    bad: [...bad].map(([line, problems]) => ({ line, problems })).sort((a, b) => a.line - b.line),
  };
}

function checkRow(row: BatchRow, by: string, now: Date): CheckedRow | { problems: string[] } {
  const { fields } = row;
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
    return { problems: ['row: must be an object of journey start fields'] };
  }
  const given = fields as Record<string, unknown>;
  const named = actorFields.filter((name) => name in given);
  if (named.length > 0) return { problems: named.map((n) => `${n}: who starts the rows is the caller, not a row`) };
  try {
    const input = parseJourneyRequest({ ...given, requestedBy: by }, now);
    // Only what the row says counts (no default from the clock, no actor): the same row always hashes the same.
    const { requestedBy: _by, ...request } = journeyRequestSchema.parse({ ...given, requestedBy: by });
    const { asWritten, ...hashes } = startRequestHashes(request, input.phoneNumber.e164, 'batch');
    return { line: row.line, fields: given, input, idempotencyKey: `batch:${asWritten.slice(0, 48)}`, ...hashes };
  } catch (err) {
    if (err instanceof JourneyInputError) return { problems: err.problems };
    throw err;
  }
}

export type BatchRowFields = Omit<JourneyRequest, 'requestedBy'>;

/** A row's number in E.164 where it reads as one: a row refused for another field still names its number. */
export function rowNumber(fields: unknown): string | null {
  const { phoneNumber: given, phoneNumberId } = (fields ?? {}) as { phoneNumber?: unknown; phoneNumberId?: unknown };
  if (typeof given !== 'string') return null;
  try {
    // Meta's test numbers (+1 555 …) read as numbers where a start takes them: with a phone_number_id.
    return parsePhoneNumber(given, { metaTestNumber: typeof phoneNumberId === 'string' && phoneNumberId !== '' }).e164;
  } catch {
    return null;
  }
}

/** A row that started no journey, and why (here, not beside the starts: API mode's command line loads no Temporal). */
export function failedRow(row: CheckedRow, error: string): RowResult {
  const { line, input } = row;
  return { line, e164: input.phoneNumber.e164, outcome: 'failed', workflowId: null, runId: null, stage: null, error };
}
