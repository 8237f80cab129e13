// The export's formats, as text streamed row by row: NDJSON (one entry per line, nested as in the timeline) and CSV
// (one flat record per entry, quoted by csv-stringify; free text a spreadsheet would run as a formula stays text).
import { stringify } from 'csv-stringify/sync';
import type { ExportFormat, ExportRow } from './types.js';

export const csvColumns = [
  'e164',
  'workflowId',
  'runId',
  'at',
  'kind',
  'stage',
  'actor',
  'what',
  'outcome',
  'endpoint',
  'metaCode',
  'metaSubcode',
  'metaType',
  'metaMessage',
  'fbtraceId',
  'attempt',
  'attemptsLeft',
  'until',
  'remediation',
  'metaDetails',
  'sentAt',
  'via',
] as const;
type CsvRecord = Partial<Record<(typeof csvColumns)[number], string | number>>;

function csvRecord(row: ExportRow): CsvRecord {
  const { meta, ...entry } = row;
  return {
    ...entry,
    metaCode: meta?.code,
    metaSubcode: meta?.subcode,
    metaType: meta?.type,
    metaMessage: meta?.message,
    fbtraceId: meta?.fbtraceId,
    metaDetails: meta?.details,
  };
}

/** Values people typed or Meta wrote: a cell starting like a formula is kept as text for spreadsheets. */
const freeText = new Set<string>(['actor', 'what', 'outcome', 'metaMessage', 'remediation', 'metaDetails', 'via']);
const asText = (value: string, context: { column?: number | string }) =>
  typeof context.column === 'string' && freeText.has(context.column) && /^[=+\-@\t\r]/.test(value)
    ? `'${value}`
    : value;

const csvLine = (record: CsvRecord) =>
  stringify([record], { columns: [...csvColumns], cast: { string: asText }, record_delimiter: '\n' });

/**
 * A byte-order mark before the lines: spreadsheet programs then read a CSV file as UTF-8 (without it, Excel reads a
 * name in Arabic, Chinese or with accents as mojibake); programs reading CSV see it as part of the first header.
 */
export async function* withByteOrderMark(lines: AsyncIterable<string>): AsyncGenerator<string> {
  yield '\uFEFF';
  yield* lines;
}

/** The export as lines of text, produced as the rows come. */
export async function* exportLines(rows: AsyncIterable<ExportRow>, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'csv') yield stringify([[...csvColumns]], { record_delimiter: '\n' });
  for await (const row of rows) {
    if (format === 'ndjson') yield `${JSON.stringify(row)}\n`;
    else yield csvLine(csvRecord(row));
  }
}
