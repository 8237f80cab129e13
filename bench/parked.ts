// Journeys parked awaiting a code: BENCH_PARKED spread over BENCH_PARKED_PORTFOLIOS portfolios, then
// BENCH_PARKED_ONE in a single portfolio, each on a fresh server with `npm run worker` as a process of its own.
// Figures: the start rate, the time until all are parked (bounded: BENCH_PARKED_TIMEOUT_S each, then it says
// how many were), the rate they park at, the worker's resident memory (peak, sampled every
// second), and how long a code takes to be answered with all of them parked against the same with 10 parked.
// The codes sampled are wrong ones (the right code with its last digit changed): the same path (the update,
// Meta's verify call, the answer) and the journey stays parked, so the count stays what it says.
import type { Client } from '@temporalio/client';
import { submitOtpUpdate } from '../src/domain/messages.js';
import { journeyWorkflowId } from '../src/domain/journey.js';
import { portfolioQuery, portfolioWorkflowId } from '../src/domain/portfolio.js';
import { figure, median, type Figure } from './figures.js';
import { benchNumber, codeOf, inFlight, pause, startBenchJourney, untilStage, type JourneyAt } from './journeys.js';
import { keyedClient, runKeys, scratchDir, startWorkerProcess, type WorkerProcess } from './processes.js';
import { countFrom } from './settings.js';
import { benchPortfolio, startBenchStand, type BenchStand } from './stand.js';

const WARM = 10;
const SAMPLES = 5;
const taskQueue = 'bench-parked';

interface Scenario {
  label: string;
  parked: number;
  portfolios: number;
}

/** The median time a wrong code takes to be answered, over `journeys` (one code each, one at a time). */
async function answerMs(client: Client, stand: BenchStand, journeys: string[]): Promise<number> {
  const times: number[] = [];
  for (const workflowId of journeys) {
    const view = await untilStage(client, workflowId, 'AWAITING_OTP');
    const code = codeOf(stand.sandbox.admin, view);
    const wrong = code.slice(0, -1) + String((Number(code.slice(-1)) + 1) % 10);
    const started = performance.now();
    const answer = await client.workflow
      .getHandle(workflowId)
      .executeUpdate(submitOtpUpdate, { args: [{ code: wrong, actor: 'bench' }] });
    times.push(performance.now() - started);
    if (answer.accepted !== false) throw new Error(`a wrong code was answered ${JSON.stringify(answer)}`);
  }
  return median(times);
}

const PARKED = `NumberStage = 'AWAITING_OTP'`;

/** Waits until `count` journeys are parked, or `deadline` (ms since the epoch); answers how many are. */
async function untilParked(client: Client, count: number, deadline: number): Promise<number> {
  for (;;) {
    const { count: parked } = await client.workflow.count(PARKED);
    if (parked >= count || Date.now() > deadline) return parked;
    await pause(1_000);
  }
}

/**
 * Where the journeys not yet parked stand, as "820 WAITING_FOR_CAPACITY, 40 REQUESTING_CODE" (a journey adding its
 * number shows the slot's wait, unless Meta makes it wait: docs/journey.md#visibility-writes), and what their
 * portfolios did:
 * slots granted and journeys queued. Granted far beyond parked means the journeys (the worker) lag, not the
 * portfolios; queued ones mean a cap.
 */
async function notYetParked(client: Client, portfolioIds: string[]): Promise<string> {
  const stages = ['WAITING_FOR_CAPACITY', 'ADDING', 'REQUESTING_CODE'];
  const counts = await Promise.all(stages.map((stage) => client.workflow.count(`NumberStage = '${stage}'`)));
  let granted = 0;
  let queued = 0;
  let silent = 0;
  for (const id of portfolioIds) {
    try {
      const portfolio = await client.workflow.getHandle(portfolioWorkflowId(id)).query(portfolioQuery);
      granted += portfolio.admissions;
      queued += portfolio.queue.length;
    } catch {
      silent += 1; // a query its worker, behind on its tasks, did not answer in time
    }
  }
  const where = stages.map((stage, i) => `${counts[i]?.count ?? 0} ${stage}`).join(', ');
  const unanswered = silent > 0 ? ` (${silent} of ${portfolioIds.length} did not answer a query)` : '';
  return `${where}; the portfolios had granted ${granted} slots and queued ${queued}${unanswered}`;
}

/** `count` parked journeys, none of `besides`. */
async function someParked(client: Client, count: number, besides: string[]): Promise<string[]> {
  const found: string[] = [];
  for await (const execution of client.workflow.list({ query: PARKED, pageSize: 100 })) {
    if (!besides.includes(execution.workflowId)) found.push(execution.workflowId);
    if (found.length === count) break;
  }
  return found;
}

async function scenario(s: Scenario, timeoutMs: number, width: number): Promise<Figure[]> {
  const stand = await startBenchStand({ appSecret: 'bench-secret', seed: 4 });
  const keys = runKeys();
  let worker: WorkerProcess | undefined;
  let peakMb = 0;
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, worker?.rssMb() ?? 0)), 1_000);
  try {
    const { admin } = stand.sandbox;
    const accounts = Array.from({ length: s.portfolios }, (_, p) =>
      p === 0
        ? { portfolioId: stand.portfolioId, wabaId: stand.wabaId }
        : (({ portfolioId }) => ({ portfolioId, ...admin.createWaba({ portfolioId }) }))(benchPortfolio(admin)),
    );
    worker = await startWorkerProcess({
      ...keys,
      TEMPORAL_ADDRESS: stand.env.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      NUMBERFLOW_DATA_DIR: scratchDir('bench-worker'),
      GRAPH_BASE_URL: stand.sandbox.url,
      META_ACCESS_TOKEN: admin.issueToken({ wabaIds: accounts.map((a) => a.wabaId) }),
      META_APP_SECRET: stand.appSecret,
      META_WEBHOOK_VERIFY_TOKEN: 'bench-verify-token',
    });
    const idleMb = worker.rssMb();
    const client = await keyedClient(stand.env.address, keys);
    for (const { portfolioId } of accounts) await stand.openPortfolio(taskQueue, { portfolioId, client });
    const at = (i: number): JourneyAt => ({ taskQueue, ...(accounts[i % accounts.length] as (typeof accounts)[0]) });
    const start = (i: number) => startBenchJourney(client, at(i), i).then(() => undefined);

    await inFlight(WARM, WARM, start);
    await untilParked(client, WARM, Date.now() + timeoutMs);
    const warm = Array.from({ length: SAMPLES }, (_, i) => journeyWorkflowId(benchNumber(i)));
    const warmMs = await answerMs(client, stand, warm);

    const began = performance.now();
    const deadline = Date.now() + timeoutMs;
    await inFlight(s.parked - WARM, width, (i) => start(i + WARM));
    const startSeconds = (performance.now() - began) / 1000;
    const parked = await untilParked(client, s.parked, deadline);
    const parkedSeconds = (performance.now() - began) / 1000;
    const parkedMb = worker.rssMb();
    const portfolioIds = accounts.map((a) => a.portfolioId);
    const elsewhere = parked >= s.parked ? '' : `; the others: ${await notYetParked(client, portfolioIds)}`;
    const loadedMs = await answerMs(client, stand, await someParked(client, SAMPLES, warm));
    await client.connection.close();
    peakMb = Math.max(peakMb, worker.rssMb());
    const counts = `${s.parked} journeys, ${s.portfolios} portfolio${s.portfolios > 1 ? 's' : ''}`;
    return [
      figure(`parked (${s.label}): start rate`, (s.parked - WARM) / startSeconds, 'starts/s', {
        note: `${counts}, ${width} starts in flight`,
      }),
      figure(`parked (${s.label}): time until all parked`, parkedSeconds, 's', {
        note:
          parked >= s.parked
            ? counts
            : `${counts}: NOT all, ${parked} parked when the bound of ${timeoutMs / 1000} s ran out ` +
              `(BENCH_PARKED_TIMEOUT_S)${elsewhere}`,
      }),
      figure(`parked (${s.label}): journeys parked per second`, (parked - WARM) / parkedSeconds, 'parked/s', {
        note: counts,
      }),
      figure(`parked (${s.label}): worker RSS, peak`, peakMb, 'MB', {
        baseline: idleMb,
        goal: { of: 'value', atMost: 400 },
        note: `the image's worker alone (compiled, its Dockerfile stage's heap limit), prebuilt bundle; baseline: idle; ${Math.round(parkedMb)} MB when the wait for all parked ended`,
      }),
      figure(`parked (${s.label}): a code answered`, loadedMs, 'ms', {
        baseline: warmMs,
        note: `median of ${SAMPLES} codes with ${parked} parked, against ${WARM} parked`,
      }),
    ];
  } finally {
    clearInterval(sampler);
    await worker?.stop();
    await stand.close();
  }
}

export async function parkedBench(): Promise<Figure[]> {
  const timeoutMs = countFrom('BENCH_PARKED_TIMEOUT_S', 900, 3_600) * 1000;
  const width = countFrom('BENCH_START_IN_FLIGHT', 50, 1_000);
  const scenarios: Scenario[] = [
    {
      label: 'spread',
      parked: countFrom('BENCH_PARKED', 10_000, 100_000, WARM + SAMPLES),
      portfolios: countFrom('BENCH_PARKED_PORTFOLIOS', 100, 1_000),
    },
    { label: 'one portfolio', parked: countFrom('BENCH_PARKED_ONE', 2_000, 100_000, WARM + SAMPLES), portfolios: 1 },
  ];
  const figures: Figure[] = [];
  for (const s of scenarios) figures.push(...(await scenario(s, timeoutMs, width)));
  return figures;
}
