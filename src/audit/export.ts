// A portfolio's export: every journey run it started in a window, as rows of timeline entries, streamed. Runs come
// from visibility page by page and histories are read one at a time, so thousands of journeys never sit in memory:
// a consumer that stops early has read only the runs it got rows of.
import type { Client } from '@temporalio/client';
import { RunAuditor, type AuditOptions } from './journey-timeline.js';
import { numberOfRun, portfolioRuns, type JourneyRun, type PortfolioWindow } from './runs.js';
import type { ExportRow } from './types.js';

export interface PortfolioExport extends PortfolioWindow, AuditOptions {
  /** Runs per visibility page. */
  pageSize?: number;
  /** Told after each run's history has been read (a progress bar counts these). */
  onRun?: (run: JourneyRun) => void;
  /** Told what could not be read (a payload of another key, notes no worker answered for). */
  onGap?: (gap: string) => void;
}

export async function* exportPortfolio(client: Client, options: PortfolioExport): AsyncGenerator<ExportRow> {
  const auditor = new RunAuditor(client, options);
  let gapsTold = 0;
  for await (const run of portfolioRuns(client, options, options.pageSize)) {
    const { entries } = await auditor.audit(run);
    options.onRun?.(run);
    const gaps = auditor.gaps;
    for (const gap of gaps.slice(gapsTold)) options.onGap?.(gap);
    gapsTold = gaps.length;
    const e164 = numberOfRun(run);
    for (const entry of entries) yield { e164, workflowId: run.workflowId, ...entry };
  }
}
