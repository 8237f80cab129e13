// A portfolio's export: every journey run it started in a window, as rows of timeline entries, streamed. Runs come
// from visibility page by page and are read a few at a time, their rows given in order, so thousands of journeys
// never sit in memory: a consumer that stops early has read only the runs it got rows of and the few after them.
import type { Client } from '@temporalio/client';
import { PayloadReader } from './decode.js';
import { RunAuditor, type AuditOptions } from './journey-timeline.js';
import { readAhead } from './read-ahead.js';
import { numberOfRun, portfolioRuns, type JourneyRun, type PortfolioWindow } from './runs.js';
import type { ExportRow } from './types.js';

/**
 * Runs read at once. A run's notes come by the journey's query, which a worker answers by replaying the journey
 * when it no longer holds it in memory (about 25 ms; most of an export of running journeys, measured: 13.6 of 17.2 s
 * for 537 runs, 429 of them running): read one at a time, those replays waited on each other.
 */
export const RUNS_READ_AHEAD = 4;

export interface PortfolioExport extends PortfolioWindow, AuditOptions {
  /** Runs per visibility page. */
  pageSize?: number;
  /** Told of each run as its rows are about to come, in order (a progress bar counts these). */
  onRun?: (run: JourneyRun) => void;
  /** Told what could not be read (a payload of another key, notes no worker answered for). */
  onGap?: (gap: string) => void;
}

export async function* exportPortfolio(client: Client, options: PortfolioExport): AsyncGenerator<ExportRow> {
  // One auditor: a worker found away for one run's notes is not asked again for the others'.
  const auditor = new RunAuditor(client, options);
  // Each run's payloads read apart: its gaps are told with it, in order.
  const audit = async (run: JourneyRun) => ({
    run,
    ...(await auditor.audit(run, undefined, new PayloadReader(auditor.reader.converter))),
  });
  const runs = portfolioRuns(client, options, options.pageSize);
  for await (const { run, entries, gaps, lastStage } of readAhead(runs, RUNS_READ_AHEAD, audit)) {
    options.onRun?.(run);
    for (const gap of gaps) options.onGap?.(gap);
    const e164 = numberOfRun(run);
    const { workflowId, runId } = run;
    for (const entry of entries) yield { e164, workflowId, ...entry };
    // In the file too: an export read back later says what of the run it lacks (a note's outcome, a payload).
    const at = entries.at(-1)?.at ?? run.startTime.toISOString();
    for (const gap of gaps)
      yield { e164, workflowId, runId, at, kind: 'gap', stage: lastStage, what: `could not read ${gap}` };
  }
}
