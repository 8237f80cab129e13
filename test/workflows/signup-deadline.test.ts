import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyQuery } from '../../src/domain/journey.js';
import { startJourney } from '../../src/journeys.js';
import { journeyInput } from '../support/journeys.js';
import { connectTimeSkippingServer, uniqueTaskQueue, withWorker, type TestEnv } from '../support/temporal.js';

const DAY = 24 * 60 * 60 * 1000;

describe('the 14-day Embedded Signup window (time-skipping server)', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await connectTimeSkippingServer();
  });
  afterAll(async () => env?.teardown());

  it('ends a journey that was never registered SIGNUP_EXPIRED 14 days after signup', async () => {
    const taskQueue = uniqueTaskQueue();
    const serverNow = new Date(await env.currentTimeMs());
    const input = journeyInput({}, serverNow);
    const result = await withWorker(env, { taskQueue }, async () => {
      const { workflowId } = await startJourney(env.client, taskQueue, input, { withoutSearchAttributes: true });
      const handle = env.client.workflow.getHandle(workflowId);
      expect((await handle.query(journeyQuery)).deadlines.signupExpiresAt).toBe(
        new Date(serverNow.getTime() + 14 * DAY).toISOString(),
      );
      return handle.result();
    });
    expect(result).toMatchObject({ outcome: 'SIGNUP_EXPIRED' });
    expect(result.remediation).toContain('Embedded Signup again');
    expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(serverNow.getTime() + 14 * DAY);
  });

  it('counts the window from the signup time, not from the start of the workflow', async () => {
    const taskQueue = uniqueTaskQueue();
    const serverNow = await env.currentTimeMs();
    const input = journeyInput({ signupAt: new Date(serverNow - 13 * DAY).toISOString() }, new Date(serverNow));
    const result = await withWorker(env, { taskQueue }, async () => {
      const { workflowId } = await startJourney(env.client, taskQueue, input, { withoutSearchAttributes: true });
      return env.client.workflow.getHandle(workflowId).result();
    });
    expect(result.outcome).toBe('SIGNUP_EXPIRED');
    const elapsed = (await env.currentTimeMs()) - serverNow;
    expect(elapsed).toBeGreaterThanOrEqual(DAY - 1000);
    expect(elapsed).toBeLessThan(2 * DAY);
  });
});
