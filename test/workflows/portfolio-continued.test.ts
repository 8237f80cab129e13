import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { moveToTaskQueueSignal, portfolioQuery, portfolioWorkflowId } from '../../src/domain/portfolio.js';
import type { portfolio } from '../../src/workflows/portfolio.js';
import { useBench } from '../support/bench.js';
import { createTestWorker } from '../support/temporal.js';

const DAY = 24 * 60 * 60 * 1000;
const YEAR = 365 * DAY; // the harness's reconciliation period

describe("the portfolio's reconciliation across a continue-as-new (time-skipping server)", () => {
  const t = useBench('time-skipping');

  /** The run after `runId`, once the portfolio has continued as new. */
  async function nextRun(handle: WorkflowHandle, runId: string): Promise<void> {
    for (let attempt = 0; attempt < 300; attempt++) {
      if ((await handle.describe()).runId !== runId) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the portfolio never continued as new');
  }

  it('keeps the time its reconciliation is due: a new run put it off by a whole period', async () => {
    const { bench, env } = t;
    const handle = env.client.workflow.getHandle<typeof portfolio>(portfolioWorkflowId(bench.portfolioId));
    const portfolios = `${bench.taskQueue}-portfolios`;
    const portfolioWorker = await createTestWorker(env, { taskQueue: portfolios, activities: bench.activities });
    await portfolioWorker.runUntil(
      bench.run(async () => {
        await handle.query(portfolioQuery); // the first run has begun its wait
        const { runId, startTime } = await handle.describe();
        await env.sleep(100 * DAY);
        await handle.signal(moveToTaskQueueSignal, { taskQueue: portfolios }); // continues as new on that queue
        await nextRun(handle, runId);
        const { reconcileDueAt, reconcileRequested } = await handle.query(portfolioQuery);
        // Due a period after the first run began, not after the second did (100 days later).
        expect(Math.abs(Date.parse(reconcileDueAt ?? '') - (startTime.getTime() + YEAR))).toBeLessThan(60_000);
        expect(reconcileRequested ?? false).toBe(false); // none asked for
      }),
    );
  });
});
