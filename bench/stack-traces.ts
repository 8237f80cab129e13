// Workflow CPU per happy journey without the SDK's stack per promise, against with it (src/temporal/workflow-threads.ts):
// the walked journeys' histories replayed in two threads of this process, one started as a numberflow worker starts
// its workflow threads and one as the SDK alone does, BENCH_REPLAY_ROUNDS rounds each, alternated, each thread
// reading its own CPU time. A replay runs the journey's whole workflow code as a worker does, with no server beside it.
import { Worker as Thread } from 'node:worker_threads';
import { bundleFromSource } from '../src/temporal/workflow-bundle.js';
import { withoutStackTraces } from '../src/temporal/workflow-threads.js';
import { figure, type Figure } from './figures.js';
import type { ReplayThreadData } from './replay-in-thread.js';
import { countFrom } from './settings.js';

/** How many times a round replays every history. */
const REPLAYS_PER_ROUND = 5;

function replayThread(data: ReplayThreadData, stackTraces: boolean): Thread {
  const entry = new URL('./replay-thread.mjs', import.meta.url);
  return stackTraces
    ? new Thread(entry, { workerData: data })
    : new Thread(withoutStackTraces(entry.href), { workerData: data, eval: true });
}

/** CPU ms per history replayed, `times` times each, by `thread`. */
function replayRound(thread: Thread, times: number): Promise<number> {
  return new Promise((resolve, reject) => {
    thread.once('message', (answer: { cpuMs?: number; error?: string }) =>
      answer.cpuMs === undefined ? reject(new Error(`replay failed: ${answer.error}`)) : resolve(answer.cpuMs),
    );
    thread.once('error', reject);
    thread.postMessage(times);
  });
}

export async function stackTraceFigures(histories: Uint8Array[], dataDir: string): Promise<Figure[]> {
  const rounds = countFrom('BENCH_REPLAY_ROUNDS', 6, 100);
  const { code } = await bundleFromSource(false);
  const data: ReplayThreadData = { code, dataDir, histories };
  const threads = { without: replayThread(data, false), with: replayThread(data, true) };
  try {
    const cpu = { without: 0, with: 0 };
    for (const side of ['without', 'with'] as const) await replayRound(threads[side], 1); // warm-up
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 === 0 ? (['without', 'with'] as const) : (['with', 'without'] as const))
        cpu[side] += await replayRound(threads[side], REPLAYS_PER_ROUND);
    }
    return [
      figure('workflow CPU per happy journey, without stack traces', cpu.without / rounds, 'ms/journey', {
        baseline: cpu.with / rounds,
        note:
          `${histories.length} happy histories replayed ${rounds * REPLAYS_PER_ROUND} times each per side, rounds alternated, ` +
          `each thread's own CPU time; baseline: the same replays with the SDK's stack per promise (its default)`,
      }),
    ];
  } finally {
    await Promise.all([threads.without.terminate(), threads.with.terminate()]);
  }
}
