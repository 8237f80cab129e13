// The export's formats, as text streamed row by row: NDJSON (one entry per line, nested as in the timeline) and CSV
// (one flat record per entry, quoted by csv-stringify; a cell that a spreadsheet would run as a formula is escaped).
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
  };
}

const csvLine = (values: (string | number | undefined)[]) =>
  stringify([values], { escape_formulas: true, record_delimiter: '\n' });

/** The export as lines of text, produced as the rows come. */
export async function* exportLines(rows: AsyncIterable<ExportRow>, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'csv') yield csvLine([...csvColumns]);
  for await (const row of rows) {
    if (format === 'ndjson') yield `${JSON.stringify(row)}\n`;
    else {
      const record = csvRecord(row);
      yield csvLine(csvColumns.map((column) => record[column]));
    }
  }
}
