import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  moveToTaskQueueSignal,
  portfolioQuery,
  portfolioWorkflowId,
  RECONCILE_EVERY_MS,
  type PortfolioState,
  type QueuedJourney,
} from '../../src/domain/portfolio.js';
import type { portfolio } from '../../src/workflows/portfolio.js';
import { useBench } from '../support/bench.js';
import { createTestWorker } from '../support/temporal.js';

const QUEUED = 12_000;

describe('a portfolio with 12,000 journeys queued (dev server)', () => {
  const t = useBench('dev');

  it('starts with its queue, answers its query and continues as new, its state under 512 KB a payload', async () => {
    const { bench, env } = t;
    const now = new Date();
    const queue: QueuedJourney[] = Array.from({ length: QUEUED }, (_, i) => {
      const e164 = `+1555${String(1_000_000 + i)}`;
      const runId = randomUUID();
      return {
        e164,
        workflowId: `number:${e164}`,
        runId,
        firstRunId: runId,
        wabaId: '102290129340398',
        since: now.toISOString(),
      };
    });
    // Two slots held by numbers without a journey: nobody is let through, nobody answered.
    const holder = (e164: string) => ({ e164, workflowId: null, runId: null, wabaId: null, since: now.toISOString() });
    const state: PortfolioState = {
      cap: 2,
      holders: [holder('+15550000001'), holder('+15550000002')],
      queue,
      admissions: 0,
      reconcileEveryMs: RECONCILE_EVERY_MS,
      reconcileDueAt: new Date(now.getTime() + 365 * 24 * 60 * 60 * 1000).toISOString(),
      outbox: [],
      released: [],
      notes: [],
    };
    expect(JSON.stringify(state).length).toBeGreaterThan(2 * 1024 * 1024); // above what Temporal takes in clear
    const portfolioId = `large-${randomUUID()}`;
    const handle = await env.client.workflow.start<typeof portfolio>('portfolio', {
      taskQueue: bench.taskQueue,
      workflowId: portfolioWorkflowId(portfolioId),
      args: [{ portfolioId, state }],
    });
    const moved = `${bench.taskQueue}-moved`;
    const movedWorker = await createTestWorker(env, { taskQueue: moved, activities: bench.activities });
    await movedWorker.runUntil(
      bench.run(async () => {
        expect((await handle.query(portfolioQuery)).queue).toHaveLength(QUEUED);
        await handle.signal(moveToTaskQueueSignal, { taskQueue: moved }); // continues as new on that queue
        for (let i = 0; i < 300 && (await handle.describe()).runId === handle.firstExecutionRunId; i++)
          await new Promise((resolve) => setTimeout(resolve, 100));
        const next = await handle.query(portfolioQuery);
        expect(next.queue).toHaveLength(QUEUED);
        expect(next.queue.at(-1)).toEqual(queue.at(-1));
        const events =
          (await env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).fetchHistory()).events ??
          [];
        const carried = events.find((e) => e.workflowExecutionContinuedAsNewEventAttributes)
          ?.workflowExecutionContinuedAsNewEventAttributes?.input?.payloads?.[0];
        expect(carried?.data?.length).toBeGreaterThan(0);
        expect(carried?.data?.length).toBeLessThan(512 * 1024);
        await handle.terminate('test done');
      }),
    );
  });
});
