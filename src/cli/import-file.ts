// An import file's rows, each with its line number: CSV with a header row naming journey start fields, or JSON
// Lines (one start's fields per line). Cells are text: the two yes/no fields take true or false, empty cells are
// left out. A header naming no start field is refused before any row is read.
import { extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import { journeyRequestSchema, type CheckedJourneyRequest } from '../domain/journey-input.js';
import type { BatchRow, RowProblems } from '../journeys/index.js';

export const importFormats = ['csv', 'jsonl'] as const;
export type ImportFormat = (typeof importFormats)[number];

export class ImportFileError extends Error {
  override readonly name = 'ImportFileError';
}

/** The columns a file may have: the fields of a journey start, but who starts it (the caller). */
export const importColumns = Object.keys(journeyRequestSchema.shape).filter((name) => name !== 'requestedBy');
const booleanColumns = ['ivr', 'identityCheck'] as const satisfies readonly (keyof CheckedJourneyRequest)[];

/** The format a file's name says (.csv, .jsonl or .ndjson), or null. */
export function formatOfName(path: string): ImportFormat | null {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return null;
}

/** The file's rows, and the lines that are no row at all (a JSON Lines line that is not JSON, a short CSV row). */
export function rowsOf(text: string, format: ImportFormat): { rows: BatchRow[]; unreadable: UnreadableRow[] } {
  return format === 'csv' ? csvRows(text) : jsonlRows(text);
}

function csvRows(text: string): { rows: BatchRow[]; unreadable: UnreadableRow[] } {
  let records: { record: string[]; info: { bytes: number } }[];
  try {
    // Cells as arrays, matched to the header here: a row of another length is that row's problem, not the file's.
    records = parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      // A quote inside a cell that does not begin with one (Joe "Best" Pizza) is the cell's text: refusing it refused
      // the whole file, --skip-invalid or not, naming a zero-based field.
      relax_quotes: true,
      info: true,
    }) as unknown as typeof records;
  } catch (err) {
    throw new ImportFileError(`not a valid CSV file: ${err instanceof Error ? err.message : String(err)}`);
  }
  const [head, ...body] = records;
  if (!head) return { rows: [], unreadable: [] };
  const header = checkedHeader(head.record);
  const lines = firstLines(
    text,
    records.map(({ info }) => info.bytes),
  ).slice(1);
  const rows: BatchRow[] = [];
  const unreadable: UnreadableRow[] = [];
  for (const [index, { record }] of body.entries()) {
    const line = lines[index] ?? 0;
    if (record.every((cell) => cell === '')) continue; // a row of empty cells, as an empty line
    // Empty cells past the named columns (the header's trailing commas, on every row too) hold nothing.
    if (record.length > header.length && record.slice(header.length).every((cell) => cell === '')) {
      record.length = header.length;
    }
    if (record.length !== header.length) {
      unreadable.push({
        line,
        problems: [`row: has ${record.length} cells where the header names ${header.length} columns`],
        // Read as far as the header goes, so that the results file can still name the row's number.
        fields: fieldsOfCells(header, record),
      });
      continue;
    }
    rows.push({ line, fields: fieldsOfCells(header, record) });
  }
  return { rows, unreadable };
}

/**
 * The line each record begins on, from where each ends (`ends`: csv-parse's byte counts, the BOM and the record's
 * line break included): csv-parse counts a record's last line, and a quoted CRLF as two lines.
 */
function firstLines(text: string, ends: number[]): number[] {
  const bytes = Buffer.from(text);
  const isBreak = (at: number) => bytes[at] === 0x0a || (bytes[at] === 0x0d && bytes[at + 1] !== 0x0a);
  const lines: number[] = [];
  let at = 0;
  let line = 1;
  for (const end of ends) {
    // Empty lines, and lines of spaces or tabs (trimmed, they are empty too), before the record.
    for (; at < end && [0x0a, 0x0d, 0x20, 0x09].includes(bytes[at] ?? 0); at++) if (isBreak(at)) line++;
    lines.push(line);
    for (; at < end; at++) if (isBreak(at)) line++;
  }
  return lines;
}

function checkedHeader(written: string[]): string[] {
  // A spreadsheet saves empty columns after the last named one as trailing commas: they name nothing.
  let end = written.length;
  while (end > 0 && written[end - 1] === '') end--;
  const header = written.slice(0, end);
  const unknown = header.filter((name) => !importColumns.includes(name));
  if (unknown.length > 0) {
    // One column holding the names with semicolons between them: a spreadsheet set to another list separator.
    const separated = unknown.some((name) => name.includes(';'))
      ? ' (the columns are separated by semicolons: save the file as CSV with commas)'
      : '';
    throw new ImportFileError(
      `the header names ${unknown.map((n) => `"${n}"`).join(', ')}, not journey start fields${separated}; the columns are: ${importColumns.join(', ')}`,
    );
  }
  const twice = header.filter((name, i) => header.indexOf(name) !== i);
  if (twice.length > 0) throw new ImportFileError(`the header names ${twice.join(', ')} twice`);
  return header;
}

/** Empty cells are left out (the start's defaults apply); true/false for the yes/no fields, the rest as text. */
/** A row that could not be read as a journey start: its problems, and what of its cells could be. */
export type UnreadableRow = RowProblems & { fields?: Record<string, unknown> };

function fieldsOfCells(header: readonly string[], cells: readonly string[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [i, name] of header.entries()) {
    const cell = cells[i] ?? '';
    if (cell === '') continue;
    const yesNo = (booleanColumns as readonly string[]).includes(name);
    // A spreadsheet writes TRUE and FALSE: read as true and false, whatever their case.
    const word = cell.trim().toLowerCase();
    fields[name] = yesNo && (word === 'true' || word === 'false') ? word === 'true' : cell;
  }
  return fields;
}

function jsonlRows(text: string): { rows: BatchRow[]; unreadable: RowProblems[] } {
  const rows: BatchRow[] = [];
  const unreadable: RowProblems[] = [];
  // A byte-order mark some editors write (the CSV reader drops it too) is no part of the first line's JSON.
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((content, index) => {
      if (content.trim() === '') return;
      try {
        rows.push({ line: index + 1, fields: JSON.parse(content) as unknown });
      } catch {
        unreadable.push({ line: index + 1, problems: ['row: is not a JSON object on one line'] });
      }
    });
  return { rows, unreadable };
}
