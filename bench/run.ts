// npm run bench: figures printed as ratios against a baseline measured in the same run, on this machine.
// Bounded: a fixed number of operations against a dev server and a sandbox on loopback, then it stops.
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities/index.js';
import { acquireSlotUpdate, portfolioWorkflowId, releaseSlotSignal } from '../src/domain/portfolio.js';
import { startJourney } from '../src/journeys/index.js';
import { journeyQuery } from '../src/domain/journey.js';
import { submitOtpUpdate } from '../src/domain/messages.js';
import { parseJourneyRequest } from '../src/domain/journey-input.js';
import { startBenchStand } from './stand.js';
import { baselineDone, baselineSignal, baselineUpdate } from './workflows.js';

const ADMISSIONS = Number(process.env.BENCH_ADMISSIONS ?? 1000);
const JOURNEYS = Number(process.env.BENCH_JOURNEYS ?? 20);
const taskQueue = 'bench';

async function timed(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 2_000; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`the benchmark waited too long; last seen ${JSON.stringify(await read()).slice(0, 600)}`);
}

async function main(): Promise<void> {
  const stand = await startBenchStand({ appSecret: 'bench-secret', seed: 1 });
  const { env, sandbox, graph, portfolioId, wabaId } = stand;
  const client = env.client;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
    activities: {
      ...createActivities({ graph, identities: stand.identities, temporal: client, taskQueue }),
      baselineActivity: async () => undefined,
    },
  });
  try {
    await worker.runUntil(async () => {
      // 1. The portfolio under 1,000 admissions, against an entity answering the same update and signal.
      const baseline = await client.workflow.start('baselineEntity', { taskQueue, workflowId: 'bench-baseline' });
      const portfolio = await client.workflow.start('portfolio', {
        taskQueue,
        workflowId: portfolioWorkflowId(portfolioId),
        args: [{ portfolioId, cap: ADMISSIONS + JOURNEYS }],
      });
      const baselineMs = await timed(async () => {
        for (let i = 0; i < ADMISSIONS; i++) {
          await baseline.executeUpdate(baselineUpdate, { args: [i] });
          await baseline.signal(baselineSignal, i);
        }
      });
      const firstRun = portfolio.firstExecutionRunId;
      const portfolioMs = await timed(async () => {
        for (let i = 0; i < ADMISSIONS; i++) {
          const e164 = `+1415${String(2_000_000 + i)}`;
          await portfolio.executeUpdate(acquireSlotUpdate, { args: [{ e164, workflowId: `number:${e164}` }] });
          await portfolio.signal(releaseSlotSignal, { e164 });
        }
      });
      await baseline.signal(baselineDone);
      const current = await client.workflow.getHandle(portfolio.workflowId).describe();
      let runs = 0;
      for await (const _ of client.workflow.list({ query: `WorkflowId = '${portfolio.workflowId}'` })) runs += 1;
      console.log(
        `portfolio: ${ADMISSIONS} admissions in ${runs} run(s) (continue-as-new ${current.runId === firstRun ? 'not reached' : 'reached'}); ` +
          `current run ${current.historyLength} history events; ${(portfolioMs / ADMISSIONS).toFixed(2)} ms per admission = ` +
          `${(portfolioMs / baselineMs).toFixed(2)}x the baseline entity (${(baselineMs / ADMISSIONS).toFixed(2)} ms)`,
      );

      // 2. A journey from start to the display-name review (code submitted), against a one-activity workflow.
      const roundTripMs = await timed(async () => {
        for (let i = 0; i < JOURNEYS; i++)
          await client.workflow.execute('baselineRoundTrip', { taskQueue, workflowId: `bench-rt-${i}` });
      });
      const journeyMs = await timed(async () => {
        for (let i = 0; i < JOURNEYS; i++) {
          const input = parseJourneyRequest({
            wabaId,
            portfolioId,
            phoneNumber: `+1650${String(2_000_000 + i)}`,
            displayName: 'Bench Co',
          });
          const { workflowId } = await startJourney(client, taskQueue, input);
          const handle = client.workflow.getHandle(workflowId);
          const { phoneNumberId } = await until(
            () => handle.query(journeyQuery),
            (v) => v.stage === 'AWAITING_OTP',
          );
          const code = sandbox.admin.latestCode(phoneNumberId as string) as string;
          await handle.executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'bench' }] });
          await until(
            () => handle.query(journeyQuery),
            (v) => v.stage === 'DISPLAY_NAME_REVIEW',
          );
          await handle.terminate('bench done');
        }
      });
      console.log(
        `journey to display-name review: ${(journeyMs / JOURNEYS).toFixed(0)} ms each = ` +
          `${(journeyMs / roundTripMs).toFixed(1)}x a one-activity workflow (${(roundTripMs / JOURNEYS).toFixed(0)} ms)`,
      );
    });
  } finally {
    await stand.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
