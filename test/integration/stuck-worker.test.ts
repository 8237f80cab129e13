// The stuck-worker watch (WORKER_STUCK_AFTER) against a real server: a worker that stopped polling is found by the
// server's word on its last poll, a busy one is not, and a server it cannot read stops nothing. (The SDK's own wedge
// cannot be made on demand: a worker shut down polls no more, as a stuck one.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@temporalio/client';
import { lastPollOf, watchForStuckWorker, type Stuck } from '../../src/temporal/stuck-worker.js';
import { runWatched, type Workers } from '../../src/worker.js';
import { connectDevServer, createTestWorker, uniqueTaskQueue, type TestEnv } from '../support/temporal.js';

/** What the watch found within `ms`, or null. */
const within = (stuck: Promise<Stuck>, ms: number) =>
  Promise.race([stuck, new Promise<null>((resolve) => setTimeout(() => resolve(null), ms))]);

describe('the stuck-worker watch (dev server)', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await connectDevServer();
  });
  afterAll(async () => env?.teardown());

  /** A worker that polled `taskQueue`, then stopped (as a stuck one polls no more): its identity and last poll. */
  const pollingStopped = async (taskQueue: string): Promise<{ identity: string; polledAt: number }> => {
    const worker = await createTestWorker(env, { taskQueue });
    const { identity } = worker.options;
    let polledAt: number | null = null;
    await worker.runUntil(async () => {
      for (let i = 0; i < 100 && polledAt === null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        polledAt = await lastPollOf(env.client, taskQueue, identity);
      }
    });
    if (polledAt === null) throw new Error(`the worker never showed as polling ${taskQueue}`);
    return { identity, polledAt };
  };

  it('finds a worker that no longer polls, naming the queue and its last poll', async () => {
    const taskQueue = uniqueTaskQueue('stuck');
    const { identity, polledAt } = await pollingStopped(taskQueue);
    const warnings: string[] = [];
    const watch = watchForStuckWorker({
      client: env.client,
      taskQueues: [taskQueue],
      identity,
      stuckAfterMs: 1_500,
      everyMs: 250,
      warn: (message) => warnings.push(message),
    });
    try {
      const stuck = await within(watch.stuck, 20_000);
      expect(stuck?.taskQueue).toBe(taskQueue);
      expect(stuck?.lastPollAt?.getTime()).toBeGreaterThanOrEqual(polledAt ?? 0);
      expect(stuck?.message).toContain(`has not polled task queue "${taskQueue}" for more than 2 s`);
      expect(stuck?.message).toContain('WORKER_STUCK_AFTER');
      expect(warnings).toEqual([]);
    } finally {
      watch.stop();
    }
  }, 40_000);

  it('takes a worker whose slots hold local activities at work for a busy one, not a stuck one', async () => {
    const taskQueue = uniqueTaskQueue('busy-locally');
    const { identity } = await pollingStopped(taskQueue);
    let localActivities = 1; // retrying inside their workflow tasks, as a slot ask does while its portfolio stalls
    const watch = watchForStuckWorker({
      client: env.client,
      taskQueues: [taskQueue],
      identity: identity,
      stuckAfterMs: 1_500,
      everyMs: 250,
      warn: () => undefined,
      busy: () => localActivities > 0,
    });
    try {
      expect(await within(watch.stuck, 4_000)).toBeNull();
      localActivities = 0; // done, and still no poll: counted from now
      const startedCounting = Date.now();
      const stuck = await within(watch.stuck, 20_000);
      expect(stuck?.taskQueue).toBe(taskQueue);
      expect(Date.now() - startedCounting).toBeGreaterThanOrEqual(1_500 - 250); // from its last busy round
    } finally {
      watch.stop();
    }
  }, 40_000);

  it('counts from the end of a pause of its own process (SIGSTOP, a frozen container), not from before it', async () => {
    const taskQueue = uniqueTaskQueue('paused');
    const { identity } = await pollingStopped(taskQueue);
    let skipped = 0; // the watch's clock, ahead of the real one by the pause
    const watch = watchForStuckWorker({
      client: env.client,
      taskQueues: [taskQueue],
      identity,
      stuckAfterMs: 20_000,
      everyMs: 250,
      warn: () => undefined,
      now: () => Date.now() + skipped,
    });
    try {
      expect(await within(watch.stuck, 1_000)).toBeNull();
      // Ten minutes held, then resumed — before a round or during one: either way no verdict, counted from then.
      skipped = 10 * 60_000;
      expect(await within(watch.stuck, 2_000)).toBeNull();
      // Then time runs on (fast here: 2 s every 300 ms, no round held), and still no poll: stuck after all.
      const found = within(watch.stuck, 30_000);
      for (let i = 0; i < 40; i++, skipped += 2_000) await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await found)?.taskQueue).toBe(taskQueue);
    } finally {
      watch.stop();
    }
  }, 60_000);

  it("stops a stuck worker's run, which fails with the watch's words", async () => {
    const taskQueue = uniqueTaskQueue('stuck-run');
    const { identity } = await pollingStopped(taskQueue);
    // As a stuck SDK's: its run never ends, whatever it is asked.
    let shutdowns = 0;
    const stuckWorkers: Workers = {
      taskQueues: [taskQueue],
      identity: identity,
      run: () => new Promise<void>(() => undefined),
      shutdown: () => void shutdowns++,
      localActivitiesRunning: () => 0,
    };
    const errors: string[] = [];
    const logger = { warn: () => undefined, error: (message: string) => void errors.push(message) };
    const options = {
      client: env.client,
      logger,
      stuckAfterMs: 1_500,
      drainMs: 300,
      everyMs: 250,
      exit: () => undefined,
    };
    const failure = await runWatched(stuckWorkers, options).then(
      () => null,
      (err: unknown) => err,
    );
    expect((failure as Error).message).toMatch(new RegExp(`^this worker has not polled task queue "${taskQueue}"`));
    expect(errors).toEqual([`${(failure as Error).message}; the worker stops`]);
    expect(shutdowns).toBe(1);
  }, 40_000);

  it('leaves a busy worker alone', async () => {
    const taskQueue = uniqueTaskQueue('busy');
    const worker = await createTestWorker(env, { taskQueue });
    await worker.runUntil(async () => {
      const watch = watchForStuckWorker({
        client: env.client,
        taskQueues: [taskQueue],
        identity: worker.options.identity,
        stuckAfterMs: 5_000,
        everyMs: 250,
        warn: () => undefined,
      });
      try {
        // Each workflow's task takes the worker's poll; a new poll begins as it is answered.
        const until = Date.now() + 10_000;
        let ran = 0;
        const load = (async () => {
          while (Date.now() < until) {
            await env.client.workflow.execute('keyCheck', {
              taskQueue,
              workflowId: `busy-${ran++}-${taskQueue}`,
              args: [{ nonce: 'n' }],
            });
          }
        })();
        expect(await Promise.race([load.then(() => null), watch.stuck])).toBeNull();
        expect(ran).toBeGreaterThan(5);
      } finally {
        watch.stop();
      }
    });
  }, 40_000);

  it('stops nothing while the server cannot be read, and says so once', async () => {
    const client = new Client({ connection: env.client.connection, namespace: 'no-such-namespace-for-the-watch' });
    const warnings: string[] = [];
    const watch = watchForStuckWorker({
      client,
      taskQueues: ['any'],
      identity: 'nobody',
      stuckAfterMs: 500,
      everyMs: 100,
      warn: (message) => warnings.push(message),
    });
    try {
      expect(await within(watch.stuck, 3_000)).toBeNull();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^could not read the task queues' pollers/);
    } finally {
      watch.stop();
    }
  }, 20_000);
});
