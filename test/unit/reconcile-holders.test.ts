// A portfolio's reconciliation asks Temporal about its holders and queued journeys several at once (one by one,
// 12,000 queued would take minutes at a cluster's round trips), keeps their order in its report, and stops asking
// once one question failed.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createPortfolioActivities } from '../../src/activities/portfolio-activities.js';
import type { GraphClient } from '../../src/graph/client.js';

/** Temporal as describe() answers it: running, not found, or failing, after a turn of the event loop. */
function temporalOf(answer: (workflowId: string) => 'running' | 'gone' | 'fail') {
  const seen = { asked: 0, inFlight: 0, most: 0 };
  const describe = async (workflowId: string) => {
    seen.asked++;
    seen.most = Math.max(seen.most, ++seen.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 1));
    seen.inFlight--;
    const state = answer(workflowId);
    if (state === 'fail') throw new Error('14 UNAVAILABLE: the frontend is busy');
    if (state === 'gone') throw new WorkflowNotFoundError('not found', workflowId, undefined);
    return { status: { name: 'RUNNING' } };
  };
  const temporal = { workflow: { getHandle: (id: string) => ({ describe: () => describe(id) }) } };
  return { temporal: temporal as unknown as Client, seen };
}

const queued = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ e164: `+1415555${String(i).padStart(4, '0')}`, workflowId: `q${i}` }));

describe("a portfolio's reconciliation of its queue", () => {
  it('asks at most 16 at once and reports the journeys gone in the queue order', async () => {
    const { temporal, seen } = temporalOf((id) => (Number(id.slice(1)) % 3 === 0 ? 'gone' : 'running'));
    const activities = createPortfolioActivities({ temporal, taskQueue: 'q', graph: {} as GraphClient });
    const queue = queued(100);
    const report = await activities.reconcileHolders({ portfolioId: '1', holders: [], queue, wabas: [] });
    expect(report.goneFromQueue).toEqual(queue.filter((_, i) => i % 3 === 0).map((q) => q.e164));
    expect(seen.asked).toBe(100);
    expect(seen.most).toBe(16);
  });

  it('stops asking once a question failed: the attempt is lost, and Temporal retries it', async () => {
    const { temporal, seen } = temporalOf((id) => (id === 'q5' ? 'fail' : 'running'));
    const activities = createPortfolioActivities({ temporal, taskQueue: 'q', graph: {} as GraphClient });
    await expect(
      activities.reconcileHolders({ portfolioId: '1', holders: [], queue: queued(500), wabas: [] }),
    ).rejects.toThrow(/UNAVAILABLE/);
    await new Promise((resolve) => setTimeout(resolve, 50)); // what was under way ends
    expect(seen.asked).toBeLessThanOrEqual(32);
  });
});
