// `import <file>`: a journey per row of a CSV or JSON Lines file, in either mode. Every row is checked before any
// starts; one bad row starts nothing unless --skip-invalid. Starts are paced and idempotent by row, so the same
// file again starts nothing twice; a results file says what became of each row.
import { closeSync, openSync, readSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { interruptible } from './interrupts.js';
import { progressBar } from './progress.js';
import { whyNotWritable } from './writable.js';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { isJourneyOutcome } from '../domain/stages.js';
import {
  checkRows,
  failedRow,
  rowNumber,
  type BatchRow,
  type CheckedRow,
  type CheckedRows,
  type RowProblems,
} from '../journeys/batch-rows.js';
import { DEFAULT_PACE, MAX_RATE, type RowResult } from '../journeys/batch-start.js';
import { actorOf, jsonOption, type CommandContext } from './context.js';
import type { JourneyOperations } from './operations.js';
import { CliExit } from './failure.js';
import { visibleControls } from './format.js';
import {
  formatOfName,
  ImportFileError,
  importFormats,
  rowsOf,
  type ImportFormat,
  type UnreadableRow,
} from './import-file.js';
import { actorOption, callerPath } from './options.js';
import { plural } from '../domain/words.js';

interface ImportOptions {
  format?: ImportFormat;
  skipInvalid?: boolean;
  results?: string;
  rate: number;
  json?: boolean;
}

/** One line of the results file; invalid rows too, with their problems as the error. */
type ResultLine = Omit<RowResult, 'outcome'> & { outcome: RowResult['outcome'] | 'invalid' };

const resultColumns = ['line', 'e164', 'outcome', 'workflowId', 'runId', 'stage', 'error'] as const;

export function addImportCommand(program: Command, context: CommandContext): void {
  program
    .command('import')
    .description('start a journey per row of a CSV (with a header row) or JSON Lines file; every row is checked first')
    .argument(
      '<file>',
      'the rows: .csv, or .jsonl (.ndjson), columns (keys) named as the fields of a journey start',
      callerPath,
    )
    .addOption(new Option('--format <format>', 'the file format, when its name does not say').choices(importFormats))
    .option('--skip-invalid', 'start the valid rows when some are not (without it, one bad row starts nothing)')
    .option(
      '--results <file>',
      'write what became of each row as CSV: line, e164, outcome, workflowId, runId, stage, error',
      callerPath,
    )
    .addOption(
      new Option('--rate <starts/s>', `starts a second, at most (1–${MAX_RATE})`)
        .argParser(rateArgument)
        .default(DEFAULT_PACE.ratePerSecond),
    )
    .addOption(actorOption('who starts the journeys (API mode: the token decides)'))
    .addOption(jsonOption())
    .action(async (file: string, opts: ImportOptions, command: Command) => {
      const format = opts.format ?? formatOfName(file);
      if (!format)
        throw new CliExit(1, `cannot tell the format of ${file}: name it .csv, .jsonl or .ndjson, or give --format`);
      if (opts.results && sameFile(opts.results, file)) {
        throw new CliExit(
          1,
          `--results: "${opts.results}" is the file being imported; name another file (nothing was started)`,
        );
      }
      if (opts.results) await ensureWritable(opts.results); // before anything starts, not after
      const { rows, unreadable } = readRows(file, format);
      const actor = actorOf(command);
      const local = checkRows(rows, actor.by);
      const total = rows.length + unreadable.length;
      // One connection for the check and the starts: what only the other side can refuse (API mode: the token's
      // portfolios) is asked before anything starts.
      const { results, invalid } = await context.using(async (ops) => {
        const { checked, invalid } = await checkedRows(ops, local, unreadable);
        // A row's problem quotes what the row holds: shown to the terminal, never obeyed by it.
        for (const { line, problems } of invalid)
          context.err(visibleControls(`line ${line}: ${problems.join('; ')}`, false));
        // A refusal with --json is the same document, nothing started, so that a script reads why on stdout too.
        const nothingStarted = { rows: total, started: 0, alreadyRunning: 0, alreadyEnded: 0, failed: 0 };
        const summary = () =>
          opts.json && context.out(importDocument({ ...nothingStarted, invalid: invalid.length }, opts, invalid));
        refuseUnlessStartable(checked.length, invalid, total, opts, rows, summary);
        // On standard output while a person watches it (never with --json, which a script reads there).
        const bar = opts.json
          ? null
          : progressBar(
              process.stdout,
              'starting {bar} {value}/{total} journeys ({eta_formatted} left)',
              checked.length,
            );
        const pace = { ratePerSecond: opts.rate, concurrency: DEFAULT_PACE.concurrency };
        const answered: RowResult[] = [];
        const onAnswer = (result: RowResult) => {
          answered.push(result);
          bar?.increment();
        };
        // Ctrl-C (or a stop) mid-file: what was answered so far is said and written before the command ends.
        const interrupted = (signal: NodeJS.Signals) => {
          bar?.stop();
          const unanswered = unansweredRows(checked, answered);
          let written = '';
          try {
            if (opts.results) writeResults(opts.results, [...answered, ...unanswered], invalid, rows);
            written = opts.results ? `; results in ${opts.results}` : '';
          } catch (err) {
            written = `; the results file could not be written (${err instanceof Error ? err.message : String(err)})`;
          }
          const started = answered.filter((r) => r.outcome === 'started').length;
          // A script reading --json gets the document still: the rows not answered counted as failed.
          if (opts.json)
            context.out(importDocument(countsOf([...answered, ...unanswered], invalid, total), opts, invalid, signal));
          context.err(
            `interrupted (${signal}): ${plural(answered.length, 'row')} of ${checked.length} answered, ${started} started; ` +
              `${plural(unanswered.length, 'row')} not answered (those in flight may have started)` +
              written +
              ' — the same file again starts each row once at most',
          );
        };
        const started = await interruptible(() => ops.startRows(checked, actor, pace, onAnswer), interrupted).finally(
          () => bar?.stop(),
        );
        return { results: started, invalid };
      });
      if (opts.results) writeResults(opts.results, results, invalid, rows);
      const failed = results.filter((r) => r.outcome === 'failed');
      for (const row of failed)
        context.err(visibleControls(`line ${row.line}: ${row.e164} failed: ${row.error ?? ''}`, false));
      // The same row again finds the journey it started; one that has ended is not started again by it.
      const ended = results.filter((r) => r.outcome === 'already_running' && isJourneyOutcome(r.stage));
      for (const row of ended) {
        const again =
          row.stage === 'SIGNUP_EXPIRED' ? 'run Embedded Signup again' : '`numberflow start` onboards the number again';
        context.err(
          `line ${row.line}: ${row.e164}: the journey this row started has ended (${row.stage ?? ''}); the same row does not start another — ${again}`,
        );
      }
      const counts = countsOf(results, invalid, total);
      if (opts.json) {
        context.out(importDocument(counts, opts, invalid));
      } else {
        context.out(
          `${plural(counts.rows, 'row')}: ${counts.started} started, ${counts.alreadyRunning} already running, ` +
            (counts.alreadyEnded > 0 ? `${counts.alreadyEnded} already ended, ` : '') +
            `${counts.failed} failed, ${counts.invalid} invalid${counts.invalid > 0 ? ' (skipped)' : ''}` +
            (opts.results ? `; results in ${opts.results}` : ''),
        );
      }
      if (failed.length > 0) throw new CliExit(1);
    });
}

/** Each row's outcome counted, as the summary and `--json` say them (a row whose journey has ended apart). */
function countsOf(results: readonly RowResult[], invalid: readonly RowProblems[], total: number) {
  const ended = results.filter((r) => r.outcome === 'already_running' && isJourneyOutcome(r.stage)).length;
  return {
    rows: total,
    started: results.filter((r) => r.outcome === 'started').length,
    alreadyRunning: results.filter((r) => r.outcome === 'already_running').length - ended,
    alreadyEnded: ended,
    failed: results.filter((r) => r.outcome === 'failed').length,
    invalid: invalid.length,
  };
}

/** What `import --json` prints: the counts, where the results went, and each invalid row's problems. */
function importDocument(
  counts: Record<'rows' | 'started' | 'alreadyRunning' | 'alreadyEnded' | 'failed' | 'invalid', number>,
  opts: Pick<ImportOptions, 'results'>,
  invalidRows: readonly RowProblems[],
  interrupted?: NodeJS.Signals,
): string {
  const stop = interrupted ? { interrupted } : {};
  return JSON.stringify({ ...counts, resultsFile: opts.results ?? null, invalidRows, ...stop }, null, 2);
}

/** The rows that may start: those the file's check passed and the other side (API mode) would not refuse. */
async function checkedRows(
  ops: JourneyOperations,
  local: CheckedRows,
  unreadable: RowProblems[],
): Promise<{ checked: CheckedRow[]; invalid: RowProblems[] }> {
  const refused = await ops.refusedRows(local.good);
  const refusedLines = new Set(refused.map((r) => r.line));
  const checked = local.good.filter((row) => !refusedLines.has(row.line));
  return { checked, invalid: [...unreadable, ...local.bad, ...refused].sort((a, b) => a.line - b.line) };
}

/** Nothing starts when a row is invalid (unless --skip-invalid), nor when no valid row is left. */
function refuseUnlessStartable(
  valid: number,
  invalid: RowProblems[],
  total: number,
  opts: ImportOptions,
  rows: BatchRow[],
  refused: () => void,
): void {
  if (invalid.length > 0 && !opts.skipInvalid) {
    if (opts.results) writeResults(opts.results, [], invalid, rows);
    refused();
    const skipping = valid === 0 ? '' : `, or give --skip-invalid to start the ${plural(valid, 'valid row')}`;
    const which =
      total === 1 ? 'its one row is' : `${invalid.length} of ${total} rows ${invalid.length === 1 ? 'is' : 'are'}`;
    const fix = invalid.length === 1 ? 'it' : 'them';
    throw new CliExit(1, `${which} not valid; nothing was started (fix ${fix}${skipping})`);
  }
  // --skip-invalid with no valid row left: nothing to start is a failure too, not a quiet success.
  if (valid === 0) {
    if (opts.results) writeResults(opts.results, [], invalid, rows);
    refused();
    const none = total === 1 ? 'its one row is not valid' : `none of its ${total} rows is valid`;
    throw new CliExit(1, `${none}; nothing was started (fix the file)`);
  }
}

/** About 500,000 rows: a file read whole, its rows parsed in memory; split a larger one. */
export const IMPORT_FILE_MAX_BYTES = 64 * 1024 * 1024;
/**
 * Rows a file may hold: every row is checked, and held, before any starts — 100,000 peaked at 534 MB resident and
 * took 10 s to check, 500,000 at 1.8 GB (a 64 MiB file of short rows holds 600,000; one crashed a 1 GiB heap).
 */
export const IMPORT_MAX_ROWS = 100_000;

/** At most `limit` bytes of a file, a pipe's too, read as they come (never more held in memory). */
function readUpTo(file: string, limit: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(1 << 20); // a pipe gives 64 KiB a read: what was read is copied out, not the buffer
    let total = 0;
    while (total < limit) {
      const read = readSync(fd, buffer, 0, Math.min(buffer.length, limit - total), null);
      if (read === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, read)));
      total += read;
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

function readRows(file: string, format: ImportFormat) {
  let bytes: Buffer;
  try {
    const { size } = statSync(file);
    const tooLarge = (mib: string) =>
      new CliExit(1, `${file}: it is over 64 MiB (${mib}): split it; nothing was started`);
    if (size > IMPORT_FILE_MAX_BYTES) throw tooLarge(`${Math.ceil(size / 2 ** 20)} MiB`);
    // A pipe or a FIFO (/dev/stdin) has no size: read up to the limit, and a byte past it refuses it.
    bytes = readUpTo(file, IMPORT_FILE_MAX_BYTES + 1);
    if (bytes.length > IMPORT_FILE_MAX_BYTES) throw tooLarge('read from a pipe');
  } catch (err) {
    if (err instanceof CliExit) throw err;
    throw new CliExit(1, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    const read = rowsOf(utf8Text(bytes), format);
    const count = read.rows.length + read.unreadable.length;
    if (count === 0) throw new ImportFileError('it has no rows');
    if (count > IMPORT_MAX_ROWS) {
      const over = `${count.toLocaleString('en-US')} rows, over ${IMPORT_MAX_ROWS.toLocaleString('en-US')}`;
      throw new ImportFileError(`it has ${over}: split it; nothing was started`);
    }
    return read;
  } catch (err) {
    if (err instanceof ImportFileError) throw new CliExit(1, `${file}: ${err.message}`);
    throw err;
  }
}

/**
 * The file as UTF-8 text. Read leniently, a Latin-1 or Windows file had each accented letter turned into U+FFFD,
 * and its names went to Meta's review so; a UTF-16 file read as rows of escaped NULs.
 */
function utf8Text(bytes: Buffer): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new ImportFileError('it is UTF-16 text: save it as UTF-8');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const lenient = bytes.toString('utf8');
    const line = lenient.slice(0, lenient.indexOf('\uFFFD')).split('\n').length;
    throw new ImportFileError(
      `line ${line} is not UTF-8 text (a Latin-1 or Windows encoding?): save the file as UTF-8`,
    );
  }
}

/** The rows not answered yet when an import was interrupted, as failed rows saying so. */
function unansweredRows(checked: readonly CheckedRow[], answered: readonly RowResult[]): RowResult[] {
  const lines = new Set(answered.map((r) => r.line));
  return checked
    .filter((row) => !lines.has(row.line))
    .map((row) => failedRow(row, 'not answered: the import was interrupted; it may have started if it was in flight'));
}

/** Whether two paths name one file (the second exists; the first may not yet). */
function sameFile(path: string, existing: string): boolean {
  try {
    return realpathSync(path) === realpathSync(existing);
  } catch {
    return false; // the results file does not exist yet: it is not the file being read
  }
}

/** A row's number in E.164 where it reads as one; empty in the results file where it does not. */
function numberOf(row: BatchRow | undefined): string {
  return rowNumber(row?.fields) ?? '';
}

/** The results file can be written: the file, or the folder it would be made in (nothing is made or changed yet). */
async function ensureWritable(path: string): Promise<void> {
  const problem = await whyNotWritable(path);
  if (problem) throw new CliExit(1, `--results: cannot write "${path}" (${problem}): nothing was started`);
}

function writeResults(
  path: string,
  results: readonly RowResult[],
  invalid: readonly RowProblems[],
  rows: readonly BatchRow[],
): void {
  const byLine = new Map(rows.map((row) => [row.line, row]));
  const lines: ResultLine[] = [
    ...results,
    ...invalid.map(({ line, problems, fields }: UnreadableRow) => ({
      line,
      e164: numberOf(byLine.get(line) ?? (fields ? { line, fields } : undefined)),
      outcome: 'invalid' as const,
      workflowId: null,
      runId: null,
      stage: null,
      error: problems.join('; '),
    })),
  ].sort((a, b) => a.line - b.line);
  // An error a spreadsheet would read as a formula stays text.
  const asText = (value: string, at: { column?: number | string }) =>
    at.column === 'error' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  writeFileSync(
    path,
    stringify(lines, { header: true, columns: [...resultColumns], cast: { string: asText }, record_delimiter: '\n' }),
  );
}

function rateArgument(value: string): number {
  const rate = Number(value);
  if (!Number.isFinite(rate) || rate < 1 || rate > MAX_RATE) {
    throw new InvalidArgumentError(`must be a number of starts a second from 1 to ${MAX_RATE}`);
  }
  return rate;
}
