// The portfolio under BENCH_ADMISSIONS admissions (an acquireSlot update and a releaseSlot signal each, one after
// the other), against an entity answering the same update and signal.
import { acquireSlotUpdate, portfolioWorkflowId, releaseSlotSignal } from '../src/domain/portfolio.js';
import { figure, type Figure } from './figures.js';
import { benchNumber } from './journeys.js';
import { countFrom } from './settings.js';
import { startBenchStand } from './stand.js';
import { baselineDone, baselineSignal, baselineUpdate } from './workflows.js';

async function timed(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export async function portfolioBench(): Promise<Figure[]> {
  const admissions = countFrom('BENCH_ADMISSIONS', 1_000, 100_000);
  const stand = await startBenchStand({ appSecret: 'bench-secret', seed: 1 });
  const taskQueue = 'bench-portfolio';
  const client = stand.client;
  try {
    const worker = await stand.worker(taskQueue);
    return await worker.runUntil(async () => {
      const baseline = await client.workflow.start('baselineEntity', { taskQueue, workflowId: 'bench-baseline' });
      await stand.openPortfolio(taskQueue);
      const portfolio = client.workflow.getHandle(portfolioWorkflowId(stand.portfolioId));
      const firstRun = (await portfolio.describe()).runId;
      const baselineMs = await timed(async () => {
        for (let i = 0; i < admissions; i++) {
          await baseline.executeUpdate(baselineUpdate, { args: [i] });
          await baseline.signal(baselineSignal, i);
        }
      });
      const portfolioMs = await timed(async () => {
        for (let i = 0; i < admissions; i++) {
          const e164 = benchNumber(i);
          await portfolio.executeUpdate(acquireSlotUpdate, { args: [{ e164, workflowId: `number:${e164}` }] });
          await portfolio.signal(releaseSlotSignal, { e164 });
        }
      });
      await baseline.signal(baselineDone);
      const current = await portfolio.describe();
      let runs = 0;
      for await (const _ of client.workflow.list({ query: `WorkflowId = '${portfolio.workflowId}'` })) runs += 1;
      return [
        figure('portfolio: one admission', portfolioMs / admissions, 'ms/admission', {
          baseline: baselineMs / admissions,
          note:
            `${admissions} admissions in ${runs} run(s), continue-as-new ${current.runId === firstRun ? 'not reached' : 'reached'}, ` +
            `current run ${current.historyLength} history events; baseline: an entity answering the same update and signal`,
        }),
      ];
    });
  } finally {
    await stand.close();
  }
}
