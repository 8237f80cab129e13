// Journeys per second through the whole happy path (start → code → LIVE, Meta's webhooks through the real
// receiver) with BENCH_IN_FLIGHT journeys at a time, against the ideal workflow: as many no-op activities, the
// same update and signals, on the same server and worker.
import type { Client } from '@temporalio/client';
import { figure, type Figure } from './figures.js';
import { happyHistory } from './history.js';
import { happyJourney, inFlight, LiveWatch, submitOnceAwaited, type JourneyAt } from './journeys.js';
import { countFrom } from './settings.js';
import { startBenchStand } from './stand.js';
import { baselineSignal, baselineUpdate, type IdealJourneyShape } from './workflows.js';

async function idealJourney(client: Client, taskQueue: string, shape: IdealJourneyShape, i: number): Promise<void> {
  const handle = await client.workflow.start('idealJourney', { taskQueue, workflowId: `ideal-${i}`, args: [shape] });
  await submitOnceAwaited(() => handle.executeUpdate(baselineUpdate, { args: [i] }));
  for (let s = 0; s < shape.signals; s++) await handle.signal(baselineSignal, s);
  await handle.result();
}

async function perSecond(count: number, width: number, task: (i: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  await inFlight(count, width, task);
  return count / ((performance.now() - started) / 1000);
}

export async function throughputBench(): Promise<Figure[]> {
  const journeys = countFrom('BENCH_JOURNEYS', 200, 10_000);
  const width = countFrom('BENCH_IN_FLIGHT', 50, 1_000);
  const stand = await startBenchStand({ appSecret: 'bench-secret', seed: 3, nameReviewDelayMs: 0 });
  const taskQueue = 'bench-throughput';
  const at: JourneyAt = { taskQueue, wabaId: stand.wabaId, portfolioId: stand.portfolioId };
  const client = stand.env.client;
  try {
    await stand.serve(taskQueue);
    await stand.openPortfolio(taskQueue);
    const worker = await stand.worker(taskQueue);
    return await worker.runUntil(async () => {
      // The ideal's shape is counted from a real happy history (which also warms the worker up).
      const { shape } = await happyHistory(stand, at, 0);
      const ideal = await perSecond(journeys, width, (i) => idealJourney(client, taskQueue, shape, i));
      const live = new LiveWatch(client, taskQueue);
      const real = await perSecond(journeys, width, (i) =>
        happyJourney(client, stand.sandbox.admin, at, i + 1, live).then(() => undefined),
      );
      return [
        figure('journeys per second, happy path', real, 'journeys/s', {
          baseline: ideal,
          goal: { of: 'ratio', atLeast: 0.8 },
          note:
            `${journeys} journeys, ${width} in flight; ideal: ${shape.activitiesBefore} + ${shape.activitiesAfter} ` +
            `no-op activities around the update, ${shape.signals} signals`,
        }),
      ];
    });
  } finally {
    await stand.close();
  }
}
