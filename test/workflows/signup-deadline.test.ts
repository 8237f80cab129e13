import { describe, expect, it } from 'vitest';
import { useBench } from '../support/bench.js';

const DAY = 24 * 60 * 60 * 1000;

describe('the 14-day Embedded Signup window (time-skipping server)', () => {
  const t = useBench('time-skipping', { cap: 0 });

  it('ends a journey that was never registered SIGNUP_EXPIRED 14 days after signup', async () => {
    const serverNow = new Date(await t.env.currentTimeMs());
    // The WABA's portfolio, with a cap of 0, never grants a slot: only the window can end this journey.
    const input = t.bench.input({ signupAt: serverNow.toISOString() }, serverNow);
    const view = await t.bench.run(async () => {
      const journey = await t.bench.start(input);
      const waiting = await journey.until(
        (v) => v.waiting?.for === 'portfolio' && v.waiting.reason.includes('queue'),
        'queued',
      );
      expect(waiting.deadlines.signupExpiresAt).toBe(new Date(serverNow.getTime() + 14 * DAY).toISOString());
      await t.env.sleep(14 * DAY - 60_000);
      expect((await journey.view()).stage).toBe('WAITING_FOR_CAPACITY');
      await t.env.sleep(2 * 60_000);
      return journey.until((v) => v.result !== null, 'the end');
    });
    expect(view.result).toMatchObject({ outcome: 'SIGNUP_EXPIRED', reasonCode: 'SIGNUP_WINDOW_CLOSED' });
    expect(view.result?.remediation).toContain('Embedded Signup again');
  });

  it('gives a journey started without a signup time no window: a number numberflow adds went through no Embedded Signup', async () => {
    const serverNow = new Date(await t.env.currentTimeMs());
    const input = t.bench.input({}, serverNow);
    expect(input.signupWindow).toBe(false);
    await t.bench.run(async () => {
      const journey = await t.bench.start(input);
      const queued = await journey.until((v) => v.waiting?.for === 'portfolio', 'queued');
      expect(queued.deadlines.signupExpiresAt).toBeNull();
      await t.env.sleep(15 * DAY);
      const still = await journey.view();
      expect(still).toMatchObject({ stage: 'WAITING_FOR_CAPACITY', result: null });
      expect(still.waiting?.reason).not.toMatch(/signup window/);
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });
});

describe('the 14-day Embedded Signup window, counted (time-skipping server)', () => {
  const t = useBench('time-skipping');

  it('counts the window from the signup time, not from the start of the workflow', async () => {
    const serverNow = await t.env.currentTimeMs();
    const input = t.bench.input(
      { signupAt: new Date(serverNow - 14 * DAY + 10 * 60_000).toISOString() },
      new Date(serverNow),
    );
    const view = await t.bench.run(async () => {
      const journey = await t.bench.start(input);
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      await t.env.sleep(11 * 60_000);
      return journey.until((v) => v.result !== null, 'the end');
    });
    expect(view.result?.outcome).toBe('SIGNUP_EXPIRED');
    expect(view.attempts.codeRequests).toBe(1); // the 15-minute code wait had not run out
  });
});
