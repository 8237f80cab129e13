// An operator's code answered over HTTP (POST /v1/journeys/{e164}/otp on the real service, sent by the CLI's API
// client, one at a time, to BENCH_CODES journeys awaiting their code) against a bare Temporal update that runs one
// no-op activity, on the same server and worker. Medians. One at a time, in pairs (a bare update and a code, then a
// code and a bare update, and so on), so that the machine's drift within a run weighs on both; the next pair starts
// once the code's journey has settled (registered, Meta's webhooks taken, parked in DISPLAY_NAME_REVIEW), so either
// side goes to a worker with nothing left to do. Timed from the request to the answer only.
import { NumberflowApi } from '../src/cli/api-client.js';
import { DEFAULT_WAIT_SECONDS } from '../src/cli/operator-commands.js';
import { figure, median, type Figure } from './figures.js';
import { benchNumber, codeOf, inFlight, pause, startBenchJourney, untilStage, type JourneyAt } from './journeys.js';
import { countFrom } from './settings.js';
import { startBenchStand } from './stand.js';
import { baselineDone, baselineUpdate } from './workflows.js';

/**
 * Quiet before the timed pairs: started right after the journeys had parked, every bare update took a steady 50 ms,
 * against 25 ms after a pause (its workflow task after the activity waited on the sticky queue): a baseline made
 * unfairly hard.
 */
const QUIET_MS = 2_000;

/** Adds to `times` how long `once` took. */
async function timed(times: number[], once: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  await once();
  times.push(performance.now() - started);
}

export async function codeOverHttpBench(): Promise<Figure[]> {
  const codes = countFrom('BENCH_CODES', 50, 1_000);
  const stand = await startBenchStand({ appSecret: 'bench-secret', seed: 5 });
  const taskQueue = 'bench-code';
  const at: JourneyAt = { taskQueue, wabaId: stand.wabaId, portfolioId: stand.portfolioId };
  const client = stand.client;
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
      const bareTimes: number[] = [];
      const httpTimes: number[] = [];
      // As an operator's `numberflow otp` sends it in API mode: the CLI's client (undici), not the runtime's fetch.
      const api = new NumberflowApi(new URL(service.url), service.token);
      const submitCode = async (i: number) => {
        const answer = await api.act(benchNumber(i), 'otp', { code: waiting[i] }, DEFAULT_WAIT_SECONDS);
        if (answer.outcome !== 'accepted') throw new Error(`the code was answered ${JSON.stringify(answer)}`);
      };
      try {
        for (let i = 0; i < codes; i++) {
          const bareSide = () => timed(bareTimes, () => bare.executeUpdate(baselineUpdate, { args: [i] }));
          const codeSide = async () => {
            await timed(httpTimes, () => submitCode(i));
            await untilStage(client, journeys[i] as string, 'DISPLAY_NAME_REVIEW');
          };
          for (const side of i % 2 === 0 ? [bareSide, codeSide] : [codeSide, bareSide]) await side();
        }
      } finally {
        await api.close();
      }
      await bare.signal(baselineDone);
      return [
        figure('code submission answered over HTTP', median(httpTimes), 'ms', {
          baseline: median(bareTimes),
          goal: { of: 'ratio', atMost: 1.5 },
          note: `median of ${codes} each, one at a time in alternating pairs, each pair once the journey before had settled; the code sent by the CLI's API client; baseline: a bare update running one no-op activity`,
        }),
      ];
    });
  } finally {
    await stand.close();
  }
}
