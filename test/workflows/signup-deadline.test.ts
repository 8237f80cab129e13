import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { connectTimeSkippingServer, type TestEnv } from '../support/temporal.js';

const DAY = 24 * 60 * 60 * 1000;

describe('the 14-day Embedded Signup window (time-skipping server)', () => {
  let env: TestEnv;
  let bench: Harness;
  beforeAll(async () => {
    env = await connectTimeSkippingServer();
    bench = await createHarness(env);
  });
  afterAll(async () => {
    await bench?.close();
    await env?.teardown();
  });

  it('ends a journey that was never registered SIGNUP_EXPIRED 14 days after signup', async () => {
    const serverNow = new Date(await env.currentTimeMs());
    // A portfolio that never grants a slot: only the window can end this journey.
    const input = bench.input({ portfolioId: '999000999000' }, serverNow);
    await env.client.workflow.start('portfolio', {
      taskQueue: bench.taskQueue,
      workflowId: 'portfolio:999000999000',
      args: [{ portfolioId: '999000999000', cap: 0 }],
    });
    const view = await bench.run(async () => {
      const journey = await bench.start(input);
      const waiting = await journey.until(
        (v) => v.waiting?.for === 'portfolio' && v.waiting.reason.includes('queue'),
        'queued',
      );
      expect(waiting.deadlines.signupExpiresAt).toBe(new Date(serverNow.getTime() + 14 * DAY).toISOString());
      await env.sleep(14 * DAY - 60_000);
      expect((await journey.view()).stage).toBe('WAITING_FOR_CAPACITY');
      await env.sleep(2 * 60_000);
      return journey.until((v) => v.result !== null, 'the end');
    });
    expect(view.result).toMatchObject({ outcome: 'SIGNUP_EXPIRED', reasonCode: 'SIGNUP_WINDOW_CLOSED' });
    expect(view.result?.remediation).toContain('Embedded Signup again');
    await env.client.workflow.getHandle('portfolio:999000999000').terminate('test done');
  });

  it('counts the window from the signup time, not from the start of the workflow', async () => {
    const serverNow = await env.currentTimeMs();
    const input = bench.input(
      { signupAt: new Date(serverNow - 14 * DAY + 10 * 60_000).toISOString() },
      new Date(serverNow),
    );
    const view = await bench.run(async () => {
      const journey = await bench.start(input);
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      await env.sleep(11 * 60_000);
      return journey.until((v) => v.result !== null, 'the end');
    });
    expect(view.result?.outcome).toBe('SIGNUP_EXPIRED');
    expect(view.attempts.codeRequests).toBe(1); // the 15-minute code wait had not run out
  });
});
