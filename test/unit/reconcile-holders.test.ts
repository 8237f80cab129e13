// A portfolio's reconciliation asks Temporal about its holders and queued journeys several at once (one by one,
// 12,000 queued would take minutes at a cluster's round trips), keeps their order in its report, and stops asking
// once one question failed. Against the dev server (and a real client of a stopped server), each describe counted.
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortfolioActivities } from '../../src/activities/portfolio-activities.js';
import type { GraphClient } from '../../src/graph/client.js';
import { useUnreachableClient } from '../support/processes.js';
import { connectDevServer, uniqueTaskQueue, type TestEnv } from '../support/temporal.js';

let env: TestEnv;
beforeAll(async () => {
  env = await connectDevServer();
});
afterAll(() => env?.teardown());
const unreachable = useUnreachableClient();

/** The real client, its describes counted: how many were asked, and at most how many at once. */
function counted(client: Client) {
  const seen = { asked: 0, inFlight: 0, most: 0 };
  const workflow = {
    getHandle: (workflowId: string) => {
      const handle = client.workflow.getHandle(workflowId);
      return {
        describe: async () => {
          seen.asked++;
          seen.most = Math.max(seen.most, ++seen.inFlight);
          try {
            return await handle.describe();
          } finally {
            seen.inFlight--;
          }
        },
      };
    },
  };
  const temporal = Object.create(client, { workflow: { value: workflow } }) as Client;
  return { temporal, seen };
}

const queued = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    e164: `+1415555${String(i).padStart(4, '0')}`,
    workflowId: `${prefix}:${i}`,
  }));

describe("a portfolio's reconciliation of its queue (dev server)", () => {
  it('asks at most 16 at once and reports the journeys gone in the queue order', async () => {
    const queue = queued(`reconcile-${Date.now()}`, 60);
    // Every third one's run is gone (never started); the others run, on a queue no worker polls.
    const taskQueue = uniqueTaskQueue('nobody-polls');
    const running = queue.filter((_, i) => i % 3 !== 0);
    for (const { workflowId } of running) await env.client.workflow.start('numberJourney', { taskQueue, workflowId });
    try {
      const { temporal, seen } = counted(env.client);
      const activities = createPortfolioActivities({ temporal, taskQueue, graph: {} as GraphClient });
      const report = await activities.reconcileHolders({ portfolioId: '1', holders: [], queue, wabas: [] });
      expect(report.goneFromQueue).toEqual(queue.filter((_, i) => i % 3 === 0).map((q) => q.e164));
      expect(seen.asked).toBe(60);
      expect(seen.most).toBeGreaterThan(1);
      expect(seen.most).toBeLessThanOrEqual(16);
    } finally {
      for (const { workflowId } of running) await env.client.workflow.getHandle(workflowId).terminate('test done');
    }
  });

  it('stops asking once a question failed (Temporal away): the attempt is lost, and Temporal retries it', async () => {
    const { temporal, seen } = counted(await unreachable());
    const activities = createPortfolioActivities({ temporal, taskQueue: 'q', graph: {} as GraphClient });
    const queue = queued('unreachable', 500);
    await expect(activities.reconcileHolders({ portfolioId: '1', holders: [], queue, wabas: [] })).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 200)); // what was under way ends
    expect(seen.asked).toBeLessThanOrEqual(32);
  });
});
