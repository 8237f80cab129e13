// Portfolios started before they had a task queue of their own (on the journeys' queue, as the harness starts its
// portfolio) move to the portfolios' queue when a worker starts: asked by signal, they continue as new there at their
// next safe point with their whole state, and still answer their journeys.
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { pino } from 'pino';
import { describe, expect, inject, it } from 'vitest';
import {
  capabilityUpdateSignal,
  moveToTaskQueueSignal,
  portfolioQuery,
  portfolioWorkflowId,
  type TaskQueueMove,
} from '../../src/domain/portfolio.js';
import { askToMove, movePortfolios, movePortfoliosAtStart } from '../../src/temporal/move-portfolios.js';
import type { portfolio } from '../../src/workflows/portfolio.js';
import { useBench } from '../support/bench.js';
import { APP_SECRET } from '../support/harness.js';
import { freshId, freshNumber } from '../support/journeys.js';
import { startWorkerProcess, type Spawned } from '../support/processes.js';
import { leaked } from '../support/secrets-scan.js';
import { createTestWorker, testDataConverter, uniqueTaskQueue } from '../support/temporal.js';
import { until } from '../support/listed.js';

type LogLine = Record<string, unknown> & { msg: string; level: number };

/** A logger whose lines the test reads. */
function capturedLogger() {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}

const runningOn = (taskQueue: string) =>
  `WorkflowType = 'portfolio' AND TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`;

describe("portfolios on the journeys' task queue move to their own (dev server + Graph sandbox)", () => {
  const t = useBench('dev', { cap: 2 });

  /** Resolves once visibility lists `count` running portfolios on `taskQueue` (the mover reads it), of `id` only. */
  const visible = (taskQueue: string, count: number, id?: string) =>
    until(async () => {
      const query = `${runningOn(taskQueue)}${id ? ` AND WorkflowId = '${id}'` : ''}`;
      const { count: listed } = await t.env.client.workflow.count(query);
      return listed === count ? listed : null;
    }, `${count} portfolio(s) listed on ${taskQueue}`);

  /** The run after `runId`, once the portfolio has continued as new. */
  const nextRun = (handle: WorkflowHandle, runId: string) =>
    until(async () => {
      const description = await handle.describe();
      return description.runId !== runId ? description : null;
    }, 'the portfolio continued as new');

  it('moves a portfolio with holders and a queued journey, its state carried, still answering; a second pass moves nothing', async () => {
    const { bench, env } = t;
    const portfolios = `${bench.taskQueue}-portfolios`;
    const { logger } = capturedLogger();
    const handle = env.client.workflow.getHandle<typeof portfolio>(portfolioWorkflowId(bench.portfolioId));
    const portfolioWorker = await createTestWorker(env, { taskQueue: portfolios, activities: bench.activities });
    await portfolioWorker.runUntil(
      bench.run(async () => {
        const first = await bench.start(bench.input());
        const second = await bench.start(bench.input());
        await first.until((v) => v.stage === 'AWAITING_OTP', 'first AWAITING_OTP');
        await second.until((v) => v.stage === 'AWAITING_OTP', 'second AWAITING_OTP');
        const third = await bench.start(bench.input());
        await third.until((v) => v.waiting?.reason.includes('queue') === true, 'third queued');
        const before = await handle.query(portfolioQuery);
        expect(before.holders).toHaveLength(2);
        expect(before.queue).toHaveLength(1);
        const { runId: firstRun, taskQueue: journeysQueue } = await handle.describe();
        expect(journeysQueue).toBe(bench.taskQueue);

        await visible(bench.taskQueue, 1);
        const move = { from: bench.taskQueue, to: portfolios };
        expect(await movePortfolios(env.client, move, logger)).toEqual({ asked: 1, failed: 0 });
        const moved = await nextRun(handle, firstRun);
        expect(moved.taskQueue).toBe(portfolios);
        const after = await handle.query(portfolioQuery);
        const { notes: _notes, ...carried } = before;
        expect(after).toMatchObject(carried); // holders, queue, cap and where it came from, admissions, outbox
        expect(after.notes.at(-1)?.what).toBe(`moved from the task queue ${bench.taskQueue} to ${portfolios}`);

        // On its own queue it still answers: the queued journey is let through when Meta raises the cap, and a
        // new journey's request is granted.
        bench.sandbox.admin.raiseCap(bench.portfolioId, 20);
        await bench.sandbox.admin.flushWebhooks();
        await third.until((v) => v.stage === 'AWAITING_OTP', 'third admitted');
        const fourth = await bench.start(bench.input());
        await fourth.until((v) => v.stage === 'AWAITING_OTP', 'fourth granted');
        expect(await handle.query(portfolioQuery)).toMatchObject({ cap: 20, queue: [] });
        expect((await handle.query(portfolioQuery)).holders).toHaveLength(4);

        // Again (a worker's next start): the run that moved is not asked twice, the moved one is left alone.
        expect(await movePortfolios(env.client, move, logger)).toEqual({ asked: 0, failed: 0 });
        await visible(bench.taskQueue, 0);
        expect(await movePortfolios(env.client, move, logger)).toEqual({ asked: 0, failed: 0 });
        expect((await handle.describe()).runId).toBe(moved.runId);
        const history = await env.client.workflow.getHandle(handle.workflowId, firstRun).fetchHistory();
        const ended = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
        expect(ended?.taskQueue?.name).toBe(portfolios);
        expect(history.events?.filter((e) => e.markerRecordedEventAttributes)).toHaveLength(1); // the patch's
        bench.record(handle.workflowId, 'portfolio', firstRun); // the run that received the move, for test/replay
      }),
    );
  });

  it('leaves alone a portfolio already on its queue, and ignores a move naming no queue', async () => {
    const { bench, env } = t;
    const portfolios = `${bench.taskQueue}-portfolios`;
    const { logger } = capturedLogger();
    const portfolioId = freshId();
    const handle = await env.client.workflow.start<typeof portfolio>('portfolio', {
      taskQueue: portfolios,
      workflowId: portfolioWorkflowId(portfolioId),
      args: [{ portfolioId, cap: 2, preregistered: [freshNumber()] }],
    });
    const worker = await createTestWorker(env, { taskQueue: portfolios, activities: bench.activities });
    try {
      await worker.runUntil(async () => {
        const { runId } = await handle.describe();
        await visible(portfolios, 1, handle.workflowId);
        expect(await movePortfolios(env.client, { from: bench.taskQueue, to: portfolios }, logger)).toEqual({
          asked: 0,
          failed: 0,
        });
        // Both queues one: nothing to do, whatever runs there.
        expect(await movePortfolios(env.client, { from: portfolios, to: portfolios }, logger)).toEqual({
          asked: 0,
          failed: 0,
        });
        const bad = [{ taskQueue: '' }, { taskQueue: '  ' }, { taskQueue: 42 }, {}, null] as unknown as TaskQueueMove[];
        for (const move of [{ taskQueue: portfolios }, ...bad]) await handle.signal(moveToTaskQueueSignal, move);
        // Signals are handled in order: once the cap shows, every move before it has been handled.
        await handle.signal(capabilityUpdateSignal, { maxPhoneNumbers: 5, source: 'admin', actor: 'ops@acme' });
        await until(async () => ((await handle.query(portfolioQuery)).cap === 5 ? true : null), 'the cap of 5');
        expect((await handle.describe()).runId).toBe(runId);
        const events = (await handle.fetchHistory()).events ?? [];
        expect(events.filter((e) => e.workflowExecutionSignaledEventAttributes)).toHaveLength(bad.length + 2);
        expect(events.filter((e) => e.markerRecordedEventAttributes)).toEqual([]); // no patch marker: no move
        bench.record(handle.workflowId, 'portfolio');
      });
    } finally {
      await handle.terminate('test done');
    }
  });

  it('a worker process (npm run worker) moves them at its start and logs how many', async () => {
    const { bench, env } = t;
    const journeys = uniqueTaskQueue('journeys');
    const portfolioId = freshId();
    const preregistered = [freshNumber()];
    // Started as a version before did: on the journeys' queue (nobody polls it yet).
    const handle = await env.client.workflow.start<typeof portfolio>('portfolio', {
      taskQueue: journeys,
      workflowId: portfolioWorkflowId(portfolioId),
      args: [{ portfolioId, cap: 3, capSource: 'business_verification', preregistered }],
    });
    let worker: Spawned | undefined;
    const token = bench.sandbox.admin.issueToken({ wabaIds: [bench.wabaId] });
    try {
      await visible(journeys, 1);
      worker = await startWorkerProcess({
        taskQueue: journeys,
        graphBaseUrl: bench.sandbox.url,
        token,
        appSecret: APP_SECRET,
      });
      const logged = await worker.waitForLog(/asked to move to their own/);
      expect(logged).toMatchObject({ from: journeys, to: `${journeys}-portfolios`, asked: 1, failed: 0 });
      const moved = await nextRun(handle, handle.firstExecutionRunId);
      expect(moved.taskQueue).toBe(`${journeys}-portfolios`);
      expect(await handle.query(portfolioQuery)).toMatchObject({
        cap: 3,
        capSource: { source: 'business_verification' },
        holders: preregistered.map((e164) => ({ e164, workflowId: null })),
      });
      expect(leaked(worker.stdout() + worker.stderr(), [token, APP_SECRET])).toEqual([]);
    } finally {
      worker?.child.kill('SIGTERM');
      await worker?.exit(15_000);
      await handle.terminate('test done');
    }
  }, 90_000);

  it('asks the latest run when the listed one has ended since (a continue-as-new of its own), unless it moved', async () => {
    const { env } = t;
    const journeys = uniqueTaskQueue('journeys');
    const move = { from: journeys, to: `${journeys}-portfolios` };
    const portfolioId = freshId();
    const workflowId = portfolioWorkflowId(portfolioId);
    // No worker: the runs only record what they are sent. A run ended and another started on the same queue stands
    // for a portfolio that continued as new between the listing and the signal.
    const startOn = (taskQueue: string) =>
      env.client.workflow.start<typeof portfolio>('portfolio', { taskQueue, workflowId, args: [{ portfolioId }] });
    const listed = await startOn(journeys);
    await listed.terminate('stands for a continue-as-new');
    const latest = await startOn(journeys);
    expect(await askToMove(env.client, { workflowId, runId: listed.firstExecutionRunId }, move)).toBe(true);
    const signals = async (runId: string) =>
      ((await env.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [])
        .map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)
        .filter((name) => name !== undefined && name !== null);
    expect(await signals(latest.firstExecutionRunId)).toEqual(['moveToTaskQueue']);

    // The latest run is on its own queue already: nothing is asked.
    await latest.terminate('stands for the move');
    const moved = await startOn(move.to);
    expect(await askToMove(env.client, { workflowId, runId: latest.firstExecutionRunId }, move)).toBe(false);
    expect(await signals(moved.firstExecutionRunId)).toEqual([]);
    await moved.terminate('the test is over');
  });

  it('logs a failure without stopping the worker, and does nothing when both queues are one', async () => {
    const connection = await Connection.connect({ address: inject('devServerAddress') });
    await connection.close();
    const closed = new Client({ connection, dataConverter: testDataConverter });
    const { logger, lines } = capturedLogger();
    const journeys = uniqueTaskQueue('journeys');
    await movePortfoliosAtStart(
      closed,
      { TEMPORAL_TASK_QUEUE: journeys, TEMPORAL_PORTFOLIO_TASK_QUEUE: undefined },
      logger,
    );
    expect(lines).toEqual([
      expect.objectContaining({
        msg: "could not move the portfolios on the journeys' task queue; the next start tries again",
        from: journeys,
        to: `${journeys}-portfolios`,
        err: expect.objectContaining({ message: expect.any(String) }),
      }),
    ]);

    lines.length = 0;
    await movePortfoliosAtStart(
      t.env.client,
      { TEMPORAL_TASK_QUEUE: "it's", TEMPORAL_PORTFOLIO_TASK_QUEUE: 'p' },
      logger,
    );
    expect(lines.map((l) => (l.err as { message?: string } | undefined)?.message)).toEqual([
      'the task queue name "it\'s" has a quote or a backslash',
    ]);

    lines.length = 0;
    await movePortfoliosAtStart(
      closed,
      { TEMPORAL_TASK_QUEUE: journeys, TEMPORAL_PORTFOLIO_TASK_QUEUE: journeys },
      logger,
    );
    expect(lines).toEqual([]); // the same queue: not even asked
  });
});
