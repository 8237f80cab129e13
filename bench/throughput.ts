// Journeys per second through the whole happy path (start → code → LIVE, Meta's webhooks through the real
// receiver) with BENCH_IN_FLIGHT journeys at a time, against the ideal workflow: the same activity calls as no-ops
// (local where the journey's are local), the same update and signals, on the same server and worker.
import type { Client } from '@temporalio/client';
import { CpuMeter, type CpuSeconds } from './cpu.js';
import { figure, type Figure } from './figures.js';
import { happyHistory } from './history.js';
import {
  completedIdeal,
  GoalWatch,
  happyJourney,
  inFlight,
  liveJourney,
  submitOnceAwaited,
  type JourneyAt,
} from './journeys.js';
import { countFrom } from './settings.js';
import { startBenchStand } from './stand.js';
import { baselineSignal, baselineUpdate, type CallKind, type IdealJourneyShape } from './workflows.js';

/** The ideal journey driven as a real one: started, its update sent once awaited, its signals, its end read. */
async function idealJourney(client: Client, done: GoalWatch, taskQueue: string, shape: IdealJourneyShape, i: number) {
  const handle = await client.workflow.start('idealJourney', { taskQueue, workflowId: `ideal-${i}`, args: [shape] });
  await submitOnceAwaited(() => handle.executeUpdate(baselineUpdate, { args: [i] }));
  for (let s = 0; s < shape.signals; s++) await handle.signal(baselineSignal, s);
  await done.until(handle.workflowId);
}

/** The calls of a shape, as `2 local + 1 activity`. */
function describeCalls(kinds: CallKind[]): string {
  const local = kinds.filter((k) => k === 'local').length;
  return `${local} local + ${kinds.length - local} activit${kinds.length - local === 1 ? 'y' : 'ies'}`;
}

/** Seconds to run `count` tasks, `width` at a time; each task told its index from `first`. */
async function secondsFor(first: number, count: number, width: number, task: (i: number) => Promise<void>) {
  const started = performance.now();
  await inFlight(count, width, (i) => task(first + i));
  return (performance.now() - started) / 1000;
}

function addCpu(a: CpuSeconds, b: CpuSeconds): CpuSeconds {
  return { bench: a.bench + b.bench, server: a.server === null || b.server === null ? null : a.server + b.server };
}

/**
 * Where each side's journeys cost CPU: the dev server, the bench's process, and both (the server's left out where
 * it cannot be read). Both sides keep the 2 cores busy, so the throughput ratio is about the inverse of the total's.
 * A round's readings also take in what the round before left running (webhooks still routed, the server's own
 * work): the order ideal, real, real, ideal shares that out.
 */
function cpuFigures(cpu: Record<'ideal' | 'real', CpuSeconds>, journeys: number): Figure[] {
  const perJourney = (seconds: number) => (seconds * 1000) / journeys;
  const note = `CPU time over the same rounds, per journey; baseline: the ideal's`;
  const figures = [
    figure('happy path: CPU per journey, bench process', perJourney(cpu.real.bench), 'ms/journey', {
      baseline: perJourney(cpu.ideal.bench),
      note: `${note}; one process runs the worker, the HTTP service, the Graph sandbox and the driver`,
    }),
  ];
  const [real, ideal] = [cpu.real.server, cpu.ideal.server];
  if (real === null || ideal === null || real <= 0 || ideal <= 0) return figures; // not read, or not the server's
  return [
    figure('happy path: CPU per journey, dev server and bench', perJourney(real + cpu.real.bench), 'ms/journey', {
      baseline: perJourney(ideal + cpu.ideal.bench),
      note: `${note}; both sides keep the cores busy, so the throughput ratio is about this ratio's inverse`,
    }),
    figure('happy path: CPU per journey, dev server', perJourney(real), 'ms/journey', {
      baseline: perJourney(ideal),
      note: `${note}; the Temporal dev server's process, read from /proc`,
    }),
    ...figures,
  ];
}

export async function throughputBench(): Promise<Figure[]> {
  const journeys = countFrom('BENCH_JOURNEYS', 200, 10_000);
  const width = countFrom('BENCH_IN_FLIGHT', 50, 1_000);
  const stand = await startBenchStand({ appSecret: 'bench-secret', seed: 3, nameReviewDelayMs: 0 });
  const taskQueue = 'bench-throughput';
  const at: JourneyAt = { taskQueue, wabaId: stand.wabaId, portfolioId: stand.portfolioId };
  const client = stand.client;
  try {
    await stand.serve(taskQueue);
    await stand.openPortfolio(taskQueue);
    const worker = await stand.worker(taskQueue);
    return await worker.runUntil(async () => {
      // The ideal's shape is counted from a real happy history (which also warms the worker up).
      const { shape } = await happyHistory(stand, at, 0);
      // Both sides' ends read alike, from visibility (GoalWatch).
      const live = new GoalWatch(client, taskQueue, liveJourney);
      const done = new GoalWatch(client, taskQueue, completedIdeal);
      const run = {
        ideal: (i: number) => idealJourney(client, done, taskQueue, shape, i),
        real: (i: number) => happyJourney(client, stand.sandbox.admin, at, i + 1, live).then(() => undefined),
      };
      // Ideal, real, real, ideal: a server that slows as its history grows weighs on both sides alike.
      const meter = new CpuMeter(stand.env.address);
      const seconds = { ideal: 0, real: 0 };
      const cpu: Record<'ideal' | 'real', CpuSeconds> = {
        ideal: { bench: 0, server: 0 },
        real: { bench: 0, server: 0 },
      };
      for (const [round, side] of (['ideal', 'real', 'real', 'ideal'] as const).entries()) {
        const before = meter.now();
        seconds[side] += await secondsFor(round * journeys, journeys, width, run[side]);
        cpu[side] = addCpu(cpu[side], meter.since(before));
      }
      const [ideal, real] = [(2 * journeys) / seconds.ideal, (2 * journeys) / seconds.real];
      return [
        figure('journeys per second, happy path', real, 'journeys/s', {
          baseline: ideal,
          goal: { of: 'ratio', atLeast: 0.8 },
          note:
            `2 × ${journeys} journeys (ideal, real, real, ideal), ${width} in flight; ideal: no-op calls ${describeCalls(shape.before)} before the update ` +
            `and ${describeCalls(shape.after)} after, ${shape.signals} signals`,
        }),
        ...cpuFigures(cpu, 2 * journeys),
      ];
    });
  } finally {
    await stand.close();
  }
}
