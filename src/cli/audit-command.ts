// The auditor's command: `audit <e164>` prints a number's timeline across all its runs (JSON, Markdown or a
// printable HTML page); `audit --portfolio <id> --since … [--until …]` streams the portfolio's export (NDJSON or
// CSV), with a progress bar on a terminal in direct mode. Directly through Temporal, or through the HTTP API's
// auditor routes when NUMBERFLOW_URL and NUMBERFLOW_TOKEN are set. Every option is checked before anything connects.
import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { PortfolioWindow } from '../audit/index.js';
import {
  exportFormats,
  exportTimeSchema,
  timelineFormats,
  type ExportFormat,
  type TimelineFormat,
} from '../audit/types.js';
import { withByteOrderMark } from '../audit/export-writers.js';
import { writeExport } from './export-file.js';
import { CliExit } from './failure.js';
import { selectMode, usingApi } from './mode.js';
import { callerPath, e164Argument, graphIdOption } from './options.js';
import { progressBar } from './progress.js';
import { whyNotWritable } from './writable.js';
import type { WithClient } from './direct-client.js';

interface AuditOptions {
  portfolio?: string;
  since?: Date;
  until?: Date;
  format?: TimelineFormat | ExportFormat;
  output?: string;
  bom?: boolean;
}

type AuditRequest =
  | { e164: string; format: TimelineFormat; output?: string }
  | { window: PortfolioWindow; format: ExportFormat; output?: string; bom: boolean };

function isoDate(value: string): Date {
  const parsed = exportTimeSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]?.message ?? 'not a date');
  return parsed.data;
}

const formatsOf = (choices: readonly string[]) => choices.join(', ');

/** The request the options make, or the reason they make none (said by commander, with a non-zero exit). */
function auditRequest(command: Command, e164: string | undefined, opts: AuditOptions): AuditRequest {
  const output = opts.output !== undefined ? { output: opts.output } : {};
  if (e164 !== undefined && opts.portfolio !== undefined) {
    command.error('error: give either a number or --portfolio, not both');
  }
  if (e164 !== undefined) {
    if (opts.since || opts.until) command.error('error: --since and --until go with --portfolio, not with a number');
    if (opts.bom) command.error('error: --bom is for a portfolio exported as csv');
    const format = opts.format ?? 'json';
    if (!(timelineFormats as readonly string[]).includes(format)) {
      command.error(`error: a number's timeline is printed as ${formatsOf(timelineFormats)}, not ${format}`);
    }
    return { e164, format: format as TimelineFormat, ...output };
  }
  if (opts.portfolio === undefined) command.error('error: give a number (+14155552671) or --portfolio <id>');
  if (!opts.since) command.error('error: --portfolio needs --since (and takes --until, now by default)');
  const until = opts.until ?? new Date();
  // An empty window too (the API answers 400 for it): `--since 2026-12-06 --until 2026-12-06` exported nothing, exit 0.
  if (opts.since >= until) {
    const limit = opts.until ? `--until ${until.toISOString()}` : `now (${until.toISOString()}; --until not given)`;
    const day = opts.until && opts.since.getTime() === until.getTime() ? ' (a date alone is midnight UTC)' : '';
    command.error(`error: --since ${opts.since.toISOString()} is not before ${limit}${day}`);
  }
  const format = opts.format ?? 'ndjson';
  if (!(exportFormats as readonly string[]).includes(format)) {
    command.error(`error: a portfolio is exported as ${formatsOf(exportFormats)}, not ${format}`);
  }
  if (opts.bom && format !== 'csv') command.error('error: --bom is for a portfolio exported as csv');
  return {
    window: { portfolioId: opts.portfolio, since: opts.since, until },
    format: format as ExportFormat,
    bom: opts.bom === true,
    ...output,
  };
}

/** The export's lines, after a byte-order mark when asked (here in both modes: a text decoder drops the API's). */
function marked(request: { bom: boolean }, lines: AsyncIterable<string>): AsyncIterable<string> {
  return request.bom ? withByteOrderMark(lines) : lines;
}

/** Direct mode through `withClient`, or the HTTP API when `env` sets NUMBERFLOW_URL and NUMBERFLOW_TOKEN. */
export function addAuditCommand(
  program: Command,
  withClient: WithClient,
  out: (line: string) => void,
  env: Record<string, string | undefined>,
): void {
  const command = program
    .command('audit')
    .description("an auditor's timeline of a number across all its runs, or a portfolio's export")
    .argument('[e164]', 'the phone number whose journeys to read', e164Argument)
    .addOption(graphIdOption('--portfolio <id>', 'export every journey run the portfolio started in the window'))
    .addOption(
      new Option(
        '--since <iso>',
        'with --portfolio: runs started from this time (a date alone: midnight UTC)',
      ).argParser(isoDate),
    )
    .addOption(
      new Option(
        '--until <iso>',
        'with --portfolio: runs started until this time (now; a date alone: midnight UTC)',
      ).argParser(isoDate),
    )
    .addOption(
      new Option('--format <format>', 'json (default), markdown, html; a portfolio: ndjson (default), csv').choices([
        ...timelineFormats,
        ...exportFormats,
      ]),
    )
    .option('--output <file>', 'write to this file instead of standard output', callerPath)
    .option(
      '--bom',
      "a portfolio's csv: begin with a UTF-8 byte-order mark, so that spreadsheet programs read names right",
    );

  command.action(async (e164: string | undefined, opts: AuditOptions) => {
    const request = auditRequest(command, e164, opts);
    // Before any reading; a portfolio's export is written beside the file first.
    if (request.output !== undefined) await checkWritable(request.output, !('e164' in request));
    const mode = selectMode(env);
    if (mode.kind === 'api') {
      // Through the service's auditor routes: the token's roles decide, no Temporal access or payload key needed.
      return usingApi(mode, async (api) => {
        if ('e164' in request) return printTimeline(await api.timeline(request.e164, request.format), request, out);
        await writeExport(marked(request, api.portfolioExport(request.window, request.format)), request.output);
        return exported(request, out);
      });
    }
    await withClient(async (client) => {
      // The reading and rendering load when used, not for every start of the command line.
      const [
        { countPortfolioRuns, exportLines, exportPortfolio, journeyTimeline, renderTimeline },
        { portfolioKnown },
      ] = await Promise.all([import('../audit/index.js'), import('../portfolios/portfolio.js')]);
      if ('e164' in request) {
        const text = renderTimeline(await journeyTimeline(client, request.e164), request.format);
        return printTimeline(text, request, out);
      }
      const runs = await countPortfolioRuns(client, request.window);
      const { portfolioId } = request.window;
      if (runs === 0 && !(await portfolioKnown(client, portfolioId))) {
        throw new CliExit(1, `no portfolio ${portfolioId}: no journey was ever started in it`); // as the API says
      }
      const bar = progressBar(
        process.stderr,
        'exporting {bar} {value}/{total} journey runs ({eta_formatted} left)',
        runs,
      );
      const rows = exportPortfolio(client, {
        ...request.window,
        onRun: () => bar?.increment(),
        onGap: (gap) => console.error(`numberflow: could not read ${gap}`),
      });
      try {
        await writeExport(marked(request, exportLines(rows, request.format)), request.output);
      } finally {
        bar?.stop();
      }
      exported(request, out);
    });
  });
}

/** Said once an export went to a file (standard output has the export itself). */
function exported(request: { window: PortfolioWindow; output?: string }, out: (line: string) => void): void {
  if (request.output !== undefined)
    out(`wrote the export of portfolio ${request.window.portfolioId} to ${request.output}`);
}

/** A file the audit can be written to: refused before anything is read, in words rather than a system error. */
async function checkWritable(file: string, besideIt: boolean): Promise<void> {
  const problem = await whyNotWritable(file, { besideIt });
  if (problem) throw new CliExit(1, `cannot write to ${file}: ${problem}`);
}

async function printTimeline(
  text: string,
  request: { e164: string; output?: string },
  out: (line: string) => void,
): Promise<void> {
  if (request.output === undefined) return out(text.trimEnd());
  await writeFile(request.output, text, { mode: 0o600 });
  out(`wrote the audit of ${request.e164} to ${request.output}`);
}
