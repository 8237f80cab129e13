// An operator's code answered over HTTP (POST /v1/journeys/{e164}/otp on the real service, one at a time, to
// BENCH_CODES journeys awaiting their code) against a bare Temporal update that runs one no-op activity, on the
// same server and worker. Medians. One at a time on both sides: the next code goes once the journey before has
// settled (registered, Meta's webhooks taken, parked in DISPLAY_NAME_REVIEW), as the baseline's next update goes to
// a worker with nothing left to do; timed from the request to the answer only.
import { figure, type Figure } from './figures.js';
import { benchNumber, codeOf, inFlight, pause, startBenchJourney, untilStage, type JourneyAt } from './journeys.js';
import { countFrom } from './settings.js';
import { startBenchStand } from './stand.js';
import { baselineDone, baselineUpdate } from './workflows.js';

const median = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] as number;

/**
 * Quiet before each timed phase: started right after the journeys had parked, every bare update took a steady 50 ms
 * for the whole phase, against 25 ms after a pause (its workflow task after the activity waited on the sticky queue):
 * a baseline made unfairly hard.
 */
const QUIET_MS = 2_000;

/** Times `once` for each i; `settle` (untimed) waits until what `once` set going has finished. */
async function timedEach(
  count: number,
  once: (i: number) => Promise<void>,
  settle: (i: number) => Promise<unknown> = async () => undefined,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await once(i);
    times.push(performance.now() - started);
    await settle(i);
  }
  return times;
}

export async function codeOverHttpBench(): Promise<Figure[]> {
  const codes = countFrom('BENCH_CODES', 50, 1_000);
  const stand = await startBenchStand({ appSecret: 'bench-secret', seed: 5 });
  const taskQueue = 'bench-code';
  const at: JourneyAt = { taskQueue, wabaId: stand.wabaId, portfolioId: stand.portfolioId };
  const client = stand.env.client;
  try {
    const service = await stand.serve(taskQueue);
    await stand.openPortfolio(taskQueue);
    const worker = await stand.worker(taskQueue);
    return await worker.runUntil(async () => {
      const waiting = new Array<string>(codes);
      const journeys = new Array<string>(codes);
      await inFlight(codes, 10, async (i) => {
        journeys[i] = await startBenchJourney(client, at, i);
        const view = await untilStage(client, journeys[i], 'AWAITING_OTP');
        waiting[i] = codeOf(stand.sandbox.admin, view);
      });
      await pause(QUIET_MS);
      const bare = await client.workflow.start('bareOtpEntity', { taskQueue, workflowId: 'bench-bare-otp' });
      const bareTimes = await timedEach(codes, (i) =>
        bare.executeUpdate(baselineUpdate, { args: [i] }).then(() => undefined),
      );
      await bare.signal(baselineDone);
      await pause(QUIET_MS);
      const httpTimes = await timedEach(
        codes,
        async (i) => {
          const answer = await fetch(`${service.url}/v1/journeys/${encodeURIComponent(benchNumber(i))}/otp`, {
            method: 'POST',
            headers: { authorization: `Bearer ${service.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ code: waiting[i] }),
          });
          const body = (await answer.json()) as { outcome?: string };
          if (answer.status !== 200 || body.outcome !== 'accepted')
            throw new Error(`the code was answered ${answer.status} ${JSON.stringify(body)}`);
        },
        (i) => untilStage(client, journeys[i] as string, 'DISPLAY_NAME_REVIEW'),
      );
      return [
        figure('code submission answered over HTTP', median(httpTimes), 'ms', {
          baseline: median(bareTimes),
          goal: { of: 'ratio', atMost: 1.5 },
          note: `median of ${codes}, one at a time, each once the journey before had settled; baseline: a bare update running one no-op activity`,
        }),
      ];
    });
  } finally {
    await stand.close();
  }
}
