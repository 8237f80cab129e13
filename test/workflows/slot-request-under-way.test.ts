// A slot request whose portfolio reads the WABA's owner at Meta while Meta is away: Temporal retries the activity,
// and the journey's view says so in `callUnderWay`, where its wait read as the portfolio's alone (QA: long outages).
// Stub activities on the dev server: the owner cannot be read in the task, and the activity meets Graph unreachable.
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { GRAPH_UNREACHABLE_TYPE } from '../../src/domain/meta-error.js';
import { describeJourney, startJourney } from '../../src/journeys/index.js';
import { journeyInput } from '../support/journeys.js';
import { journeyStubs } from '../support/stub-activities.js';
import { connectDevServer, uniqueTaskQueue, useTestEnv, withWorker } from '../support/temporal.js';

describe('a slot request Temporal retries (dev server, stub activities)', () => {
  const testEnv = useTestEnv(connectDevServer);

  it("shows in the journey's view as the call under way, naming Meta's read and why the attempt before failed", async () => {
    const taskQueue = uniqueTaskQueue('slot-under-way');
    const activities = journeyStubs(testEnv().client, {
      askForSlot: async () => ({ ownerUnread: true }),
      requestSlot: async () => {
        throw ApplicationFailure.retryable('network error reaching Graph (test): ECONNREFUSED', GRAPH_UNREACHABLE_TYPE);
      },
    });
    const input = journeyInput({});
    const { workflowId } = await startJourney(testEnv().client, taskQueue, input);
    await withWorker(testEnv(), { taskQueue, activities }, async () => {
      let view = await describeJourney(testEnv().client, input.phoneNumber.e164);
      for (let i = 0; i < 200 && view.callUnderWay === null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        view = await describeJourney(testEnv().client, input.phoneNumber.e164);
      }
      expect(view.stage).toBe('WAITING_FOR_CAPACITY');
      expect(view.callUnderWay).toMatchObject({
        call: "ask the portfolio for a registration slot (which reads the WABA's owner at Meta)",
        endpoint: 'GET /{waba-id}',
        attemptBefore: expect.stringContaining('ECONNREFUSED') as string,
      });
      expect(view.callUnderWay?.attempt).toBeGreaterThanOrEqual(2);
    });
    await testEnv().client.workflow.getHandle(workflowId).terminate('test done');
  });
});
