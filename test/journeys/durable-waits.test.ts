import { describe, expect, it } from 'vitest';
import { resendCodeUpdate, submitDisplayNameUpdate, submitOtpUpdate } from '../../src/domain/messages.js';
import { journeyPolicy } from '../../src/domain/policy.js';
import { type JourneyHandle } from '../support/harness.js';
import { useBench } from '../support/bench.js';
import { decideName, startLive } from '../support/steps.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Meta refusing a code request: codes asked too often (136024). */
const tooOften = { endpoint: 'POST /request_code', kind: 'error', code: 136024 } as const;

describe('durable waits of the journey (time-skipping server + Graph sandbox)', () => {
  const t = useBench('time-skipping');

  /** A journey input whose signup happened `ago` ms before the test server's current time. */
  async function inputSignedUp(ago: number) {
    const now = await t.env.currentTimeMs();
    return t.bench.input({ signupAt: new Date(now - ago).toISOString() }, new Date(now));
  }

  async function submitCode(journey: JourneyHandle): Promise<void> {
    const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
    const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
    const outcome = await t.env.client.workflow
      .getHandle(journey.workflowId)
      .executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'operator@acme' }] });
    expect(outcome.accepted).toBe(true);
  }

  /** A journey in DISPLAY_NAME_REVIEW, the reads of its number failing with Meta's `code` the next `times` times. */
  async function inReviewWithReadsFailing(code: number, times: number): Promise<JourneyHandle> {
    const journey = await t.bench.start(t.bench.input());
    await submitCode(journey);
    await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW');
    t.bench.sandbox.admin.injectFault({ endpoint: 'GET /phone_number', kind: 'error', code, times });
    return journey;
  }

  const registerCalls = () => t.bench.sandbox.admin.calls().filter((c) => c.endpoint.endsWith('/register'));

  it('requests a new code when none is submitted in time, a bounded number of times, then fails', async () => {
    const input = await inputSignedUp(0);
    const result = await t.bench.run(async () => {
      const journey = await t.bench.start(input);
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      // Each unanswered code waits its full time before the next is requested.
      for (let request = 1; request <= journeyPolicy.maxCodeRequests; request++) {
        await journey.until(
          (v) => v.attempts.codeRequests === request && v.stage === 'AWAITING_OTP',
          `code ${request}`,
        );
        await t.env.sleep(journeyPolicy.otpWaitMs + MINUTE);
      }
      return (await journey.until((v) => v.result !== null, 'the end')).result;
    });
    expect(result).toMatchObject({ outcome: 'FAILED', reasonCode: 'OTP_NOT_VERIFIED' });
    expect(result?.remediation).toContain('OTP verification failed or timed out');
    const phoneNumberId = (
      await t.bench.graph.listPhoneNumbers(t.bench.wabaId, { fields: ['display_phone_number'] })
    ).data.find((n) => n.display_phone_number?.replace(/\D/g, '') === input.phoneNumber.e164.slice(1))?.id;
    expect(t.bench.sandbox.admin.outbox({ phoneNumberId })).toHaveLength(journeyPolicy.maxCodeRequests);
  });

  it('waits once when Meta refuses the new code of a wait that ended (136024), then asks again; refused twice, ends', async () => {
    const input = await inputSignedUp(0);
    const [refusedOnce, sent, result] = await t.bench.run(async () => {
      const journey = await t.bench.start(input);
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      t.bench.sandbox.admin.injectFault({ ...tooOften, times: 1 });
      await t.env.sleep(journeyPolicy.otpWaitMs + MINUTE);
      const refused = await journey.until(
        (v) => v.stage === 'AWAITING_OTP' && v.waiting?.reason.startsWith('Meta refused a new code') === true,
        'the refusal waited out',
      );
      await t.env.sleep(journeyPolicy.codeRefusedWaitMs + MINUTE); // asked again, an hour on: a code is sent
      const second = await journey.until((v) => v.attempts.codeRequests === 2, 'the second code');
      t.bench.sandbox.admin.injectFault({ ...tooOften, times: 2 });
      await t.env.sleep(journeyPolicy.otpWaitMs + MINUTE); // refused
      await t.env.sleep(journeyPolicy.codeRefusedWaitMs + MINUTE); // refused again
      return [refused, second, (await journey.until((v) => v.result !== null, 'the end')).result];
    });
    expect(refusedOnce.attempts.codeRequests).toBe(1);
    expect(refusedOnce.waiting?.for).toBe('meta'); // the code before expired: nothing for an operator to submit
    expect(refusedOnce.waiting?.reason).toMatch(
      /^Meta refused a new code \(Requesting the code by SMS failed: Meta error 136024.*\); numberflow asks once more when the wait ends \(refused again, the journey ends FAILED\)\.$/,
    );
    expect(refusedOnce.notes.at(-1)).toMatchObject({
      actor: 'meta',
      what: expect.stringContaining('numberflow asks once more at'),
    });
    // Meta's limit outlasts a code's wait: the ask once more comes an hour after the refusal.
    const refusedAt = Date.parse(refusedOnce.notes.at(-1)?.at ?? '');
    expect(Date.parse(refusedOnce.waiting?.until ?? '') - refusedAt).toBe(journeyPolicy.codeRefusedWaitMs);
    expect(sent.notes.map((n) => n.what)).toContain("the wait after Meta's refusal ended; requesting a new one");
    expect(sent.waiting?.reason).toMatch(/^an operator must submit the 6-digit code/);
    expect(result).toMatchObject({ outcome: 'FAILED', reasonCode: 'META_136024', metaError: { code: 136024 } });
  });

  it('waits once when Meta refuses the first code (136024: codes asked too often before), then asks again', async () => {
    const input = await inputSignedUp(0);
    const [refused, asked] = await t.bench.run(async () => {
      // As after a journey cancelled past its fifth code, whose advice is to start again.
      t.bench.sandbox.admin.injectFault({ ...tooOften, times: 1 });
      const journey = await t.bench.start(input);
      const first = await journey.until(
        (v) => v.stage === 'AWAITING_OTP' && v.waiting?.reason.startsWith('Meta refused a new code') === true,
        'the refusal waited out',
      );
      await t.env.sleep(journeyPolicy.codeRefusedWaitMs + MINUTE);
      const sent = await journey.until((v) => v.attempts.codeRequests === 1, 'the first code');
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done'); // its waits take no fault
      return [first, sent];
    });
    // Before the patch the journey ended FAILED (META_136024) within a second of its start.
    expect(refused).toMatchObject({ result: null, attempts: { codeRequests: 0 } });
    // No code was sent: none is said to last (the code wait is the refusal's, an hour), and the wait is Meta's.
    expect(refused.deadlines.codeLastsUntil).toBeNull();
    expect(refused.waiting?.for).toBe('meta');
    expect(asked.waiting?.for).toBe('operator');
    expect(asked.deadlines.codeLastsUntil).toEqual(expect.any(String));
    expect(refused.notes.at(-1)?.what).toMatch(
      /numberflow asks once more at \S+Z \(refused again, the journey ends FAILED\)/,
    );
    expect(asked).toMatchObject({ stage: 'AWAITING_OTP', result: null });
    expect(asked.waiting?.reason).toMatch(/^an operator must submit the 6-digit code/);
  });

  it("keeps numberflow's own ask once more when a resend is refused meanwhile (136024), rather than failing at once", async () => {
    const input = await inputSignedUp(0);
    const [refused, resent, asked] = await t.bench.run(async () => {
      const journey = await t.bench.start(input);
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      t.bench.sandbox.admin.injectFault({ ...tooOften, times: 2 }); // the wait's new code, then the resend
      await t.env.sleep(journeyPolicy.otpWaitMs + MINUTE);
      const first = await journey.until(
        (v) => v.waiting?.reason.startsWith('Meta refused a new code') === true,
        'the refusal waited out',
      );
      await t.env.client.workflow
        .getHandle(journey.workflowId)
        .executeUpdate(resendCodeUpdate, { args: [{ actor: 'operator@acme' }] });
      const afterResend = await journey.until(
        (v) => v.notes.some((n) => n.what.includes('numberflow still asks Meta once more at')),
        'the resend refused',
      );
      await t.env.sleep(journeyPolicy.codeRefusedWaitMs + MINUTE); // numberflow's own ask, as it said: a code is sent
      const sent = await journey.until((v) => v.attempts.codeRequests === 2, 'the second code');
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done'); // its waits take no fault
      return [first, afterResend, sent];
    });
    // Before the patch the resend's refusal put the ask off: the wait ended at once and the journey ended FAILED.
    expect(resent).toMatchObject({ stage: 'AWAITING_OTP', result: null });
    expect(resent.waiting?.until).toBe(refused.waiting?.until);
    expect(asked).toMatchObject({ stage: 'AWAITING_OTP', result: null });
    expect(asked.waiting?.reason).toMatch(/^an operator must submit the 6-digit code/);
  });

  it("says a code Meta refuses past its code's life may have expired, and to ask for a new one", async () => {
    const input = await inputSignedUp(0);
    const [fresh, late, last] = await t.bench.run(async () => {
      const journey = await t.bench.start(input);
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const submit = () =>
        t.env.client.workflow
          .getHandle(journey.workflowId)
          .executeUpdate(submitOtpUpdate, { args: [{ code: '000000', actor: 'operator@acme' }] });
      const answers = [await submit()];
      await t.env.sleep(journeyPolicy.codeValidMs + MINUTE); // within the journey's wait, past Meta's code
      answers.push(await submit());
      answers.push(await submit()); // the last attempt: the journey ends, and no advice is given
      return answers;
    });
    expect(last?.message).toMatch(
      /^code wrong, or expired \(Meta's code lasts about 10 minutes; this one expired at \S+Z\), no attempts left: the journey ends FAILED \(OTP_ATTEMPTS_EXHAUSTED\)$/,
    );
    expect(fresh).toEqual({ accepted: false, message: 'code wrong, 2 attempts left', attemptsLeft: 2 });
    expect(late).toMatchObject({ accepted: false, attemptsLeft: 1 });
    expect(late?.message).toMatch(
      /^code wrong, or expired \(Meta's code lasts about 10 minutes; this one expired at \S+Z: ask for a new code\), 1 attempt left$/,
    );
  });

  it('ends SIGNUP_EXPIRED when the 14-day window closes while it awaits the code', async () => {
    const input = await inputSignedUp(14 * DAY - 5 * MINUTE);
    const result = await t.bench.run(async () => {
      const journey = await t.bench.start(input);
      const waiting = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      // The code's 15 minutes would outlast the window: the operator is told the window's end, and what follows.
      expect(waiting.waiting?.until).toBe(waiting.deadlines.signupExpiresAt);
      expect(waiting.waiting?.reason).toMatch(
        /; but the 14-day signup window closes first, at \S+Z: the journey then ends SIGNUP_EXPIRED unless the number is registered by then \(Embedded Signup again to go on\)\.$/,
      );
      await t.env.sleep(5 * MINUTE + 1000);
      return (await journey.until((v) => v.result !== null, 'the end')).result;
    });
    expect(result).toMatchObject({ outcome: 'SIGNUP_EXPIRED', reasonCode: 'SIGNUP_WINDOW_CLOSED' });
  });

  it('never fires the 14-day window once the number is registered', async () => {
    const input = await inputSignedUp(13 * DAY);
    await t.bench.run(async () => {
      const journey = await t.bench.start(input);
      await submitCode(journey);
      await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW');
      await t.env.sleep(3 * DAY);
      const view = await journey.view();
      expect(view.stage).toBe('DISPLAY_NAME_REVIEW');
      expect(view.deadlines.signupExpiresAt).toBeNull();
      await t.bench.terminateWhenIdle(journey.workflowId);
    });
  });

  it("waits on in review when Meta's review status cannot be read for hours, and takes the decision that comes", async () => {
    await t.bench.run(async () => {
      // Meta's Graph API fails (error 2) through the 12-hourly read and all its waits: over an hour.
      const journey = await inReviewWithReadsFailing(2, 200);
      await t.env.sleep(13 * HOUR);
      await t.env.sleep(3 * HOUR);
      const waiting = await journey.view();
      expect(waiting).toMatchObject({ stage: 'DISPLAY_NAME_REVIEW', result: null });
      // It waits for Meta's decision again, not for the read's outage wait, long past.
      expect(waiting.waiting).toEqual({ for: 'meta', reason: 'Meta reviews the display name', until: null });
      const noted = waiting.notes.filter((n) => n.what.startsWith("could not read the display name's review status"));
      expect(noted).toHaveLength(1);
      expect(noted[0]?.what).toMatch(/; waiting for Meta's decision, read again in 12 hours$/);
      expect(t.bench.sandbox.admin.calls().some((c) => c.endpoint.endsWith('/deregister'))).toBe(false);
      t.bench.sandbox.admin.clearFaults();
      await decideName(t.bench, journey, 'APPROVED');
      await journey.until((v) => v.stage === 'LIVE', 'LIVE');
      await t.bench.terminateWhenIdle(journey.workflowId);
    });
  });

  it("notes a failed status read again in the next review when Meta's decision came by webhook meanwhile", async () => {
    await t.bench.run(async () => {
      const journey = await inReviewWithReadsFailing(2, 400);
      try {
        const failedRead = (v: { notes: { what: string }[] }) =>
          v.notes.filter((n) => n.what.startsWith("could not read the display name's review status")).length;
        await t.env.sleep(16 * HOUR); // the 12-hourly read and its waits, over an hour
        await journey.until((v) => failedRead(v) === 1, "the first review's failed read noted");
        // Meta's rejection comes by webhook while the reads still fail; the operator sends a new name for review.
        await decideName(t.bench, journey, 'REJECTED');
        await journey.until((v) => v.stage === 'AWAITING_NEW_NAME', 'AWAITING_NEW_NAME');
        await t.env.client.workflow
          .getHandle(journey.workflowId)
          .executeUpdate(submitDisplayNameUpdate, { args: [{ displayName: 'Acme Second Try', actor: 'ops@acme' }] });
        await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'the second review');
        await t.env.sleep(16 * HOUR);
        const second = await journey.until((v) => failedRead(v) === 2, "the second review's failed read noted");
        expect(second).toMatchObject({ stage: 'DISPLAY_NAME_REVIEW', result: null });
      } finally {
        t.bench.sandbox.admin.clearFaults();
      }
      await t.bench.terminateWhenIdle(journey.workflowId);
    });
  });

  it('still ends a journey in review whose status read Meta refuses for good (a refusal time does not mend)', async () => {
    await t.bench.run(async () => {
      const journey = await inReviewWithReadsFailing(100, 5);
      try {
        await t.env.sleep(13 * HOUR);
        const ended = await journey.until((v) => v.result !== null, 'ended');
        expect(ended.result).toMatchObject({ outcome: 'FAILED', reasonCode: 'META_100' });
        const notes = ended.notes.map((n) => n.what).join('\n');
        expect(notes).not.toContain("could not read the display name's review status");
      } finally {
        t.bench.sandbox.admin.clearFaults(); // the tests after this one read numbers too
      }
    });
  });

  it('waits out 72 hours after 133016 with a durable timer, then registers once', async () => {
    const input = await inputSignedUp(0);
    await t.bench.run(async () => {
      const journey = await t.bench.start(input);
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'error', code: 133016, times: 1 });
      const before = registerCalls().length;
      await submitCode(journey);
      const waiting = await journey.until(
        (v) => v.waiting?.for === 'meta' && v.lastError?.code === 133016,
        '133016 wait',
      );
      expect(waiting.stage).toBe('REGISTERING');
      const now = await t.env.currentTimeMs();
      expect(Date.parse(waiting.waiting?.until as string) - now).toBeGreaterThan(71 * HOUR);
      expect(registerCalls().length - before).toBe(1);
      await t.env.sleep(72 * HOUR + MINUTE);
      const registered = await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'registered after the wait');
      expect(registered.status).toBe('CONNECTED');
      expect(registerCalls().length - before).toBe(2);
      await t.bench.terminateWhenIdle(journey.workflowId);
    });
  });

  it("waits out a PIN lockout (133008) as long as Meta's details say, then registers", async () => {
    const input = await inputSignedUp(0);
    await t.bench.run(async () => {
      const journey = await t.bench.start(input);
      const details = 'Too many PIN guesses for this phone number. Try again in 2 hours.';
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'error', code: 133008, details });
      await submitCode(journey);
      const waiting = await journey.until((v) => v.lastError?.code === 133008 && v.waiting?.for === 'meta', '133008');
      expect(waiting.lastError?.details).toBe(details);
      expect(waiting.lastError?.remediation).toContain("numberflow waits as long as Meta's details say");
      const until = Date.parse(waiting.waiting?.until as string) - (await t.env.currentTimeMs());
      expect(until).toBeGreaterThan(2 * HOUR - MINUTE);
      expect(until).toBeLessThanOrEqual(2 * HOUR);
      await t.env.sleep(2 * HOUR + MINUTE);
      await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'registered after the lockout');
      await t.bench.terminateWhenIdle(journey.workflowId);
    });
  });

  /**
   * A journey whose first register meets 133000 (and the cure's deregister `deregisterFault`, if given), registered
   * in the end: its view then, and the register and deregister calls Meta got meanwhile.
   */
  async function curedOf133000(deregisterFault?: number) {
    const input = await inputSignedUp(0);
    return t.bench.run(async () => {
      const journey = await t.bench.start(input);
      t.bench.record(journey.workflowId, 'numberJourney');
      const { admin } = t.bench.sandbox;
      admin.injectFault({ endpoint: 'POST /register', kind: 'error', code: 133000 });
      if (deregisterFault) admin.injectFault({ endpoint: 'POST /deregister', kind: 'error', code: deregisterFault });
      const registrations = () =>
        admin
          .calls()
          .map((call) => call.endpoint.split('/').at(-1))
          .filter((last) => last === 'register' || last === 'deregister');
      const before = registrations().length;
      await submitCode(journey);
      const registered = await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'registered');
      await t.bench.terminateWhenIdle(journey.workflowId);
      return { registered, calls: registrations().slice(before), notes: registered.notes.map((note) => note.what) };
    });
  }

  it('finishes an incomplete deregistration (133000) itself: deregisters, then registers, once', async () => {
    const { registered, calls, notes } = await curedOf133000();
    expect(registered.status).toBe('CONNECTED');
    expect(calls).toEqual(['register', 'deregister', 'register']);
    expect(notes).toContain(
      'an earlier deregistration did not finish (133000): numberflow deregisters the number, then registers it again',
    );
  });

  it("goes on to the register when Meta answers the cure's deregister with 133010 (not registered): it is done", async () => {
    const { registered, notes } = await curedOf133000(133010);
    expect(registered.status).toBe('CONNECTED');
    expect(notes).toContain('answered that the number is not registered (133010): numberflow registers it now');
  });

  it("never deregisters a live number to cure 133000 in its rename's register: the rename stops, the number stays live", async () => {
    await t.bench.run(async () => {
      const { journey, view } = await startLive(t.bench);
      t.bench.record(journey.workflowId, 'numberJourney');
      const deregisters = () => t.bench.sandbox.admin.calls().filter((c) => c.endpoint.endsWith('/deregister')).length;
      const before = deregisters();
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'error', code: 133000 });
      await t.env.client.workflow.getHandle(journey.workflowId).executeUpdate(submitDisplayNameUpdate, {
        args: [{ displayName: 'Acme Helpline', actor: 'ops@acme' }],
      });
      await decideName(t.bench, journey, 'APPROVED');
      const stopped = await journey.until((v) => v.displayName.status === 'CHANGE_FAILED', 'the rename stopped');
      expect(stopped).toMatchObject({ stage: 'LIVE', status: 'CONNECTED', result: null });
      expect(stopped.displayName.current).toBe(view.displayName.current);
      expect(deregisters()).toBe(before);
      await t.bench.terminateWhenIdle(journey.workflowId);
    });
  });

  it('ends FAILED when Meta answers 133000 again after the deregistration it asks for', async () => {
    const input = await inputSignedUp(0);
    const result = await t.bench.run(async () => {
      const journey = await t.bench.start(input);
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'error', code: 133000, times: 2 });
      await submitCode(journey);
      return (await journey.until((v) => v.result !== null, 'the end')).result;
    });
    expect(result).toMatchObject({ outcome: 'FAILED', metaError: { code: 133000 } });
    expect(result?.remediation).toContain('ask Meta support');
  });

  it('waits a few minutes after 133015 (a deletion still in progress) and registers', async () => {
    const input = await inputSignedUp(0);
    await t.bench.run(async () => {
      const journey = await t.bench.start(input);
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'error', code: 133015, times: 1 });
      await submitCode(journey);
      const waiting = await journey.until(
        (v) => v.lastError?.code === 133015 && v.waiting?.for === 'meta',
        '133015 wait',
      );
      const until = Date.parse(waiting.waiting?.until as string) - (await t.env.currentTimeMs());
      expect(until).toBeGreaterThan(MINUTE);
      expect(until).toBeLessThanOrEqual(5 * MINUTE);
      await t.env.sleep(5 * MINUTE + 1000);
      await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'registered after the short wait');
      await t.bench.terminateWhenIdle(journey.workflowId);
    });
  });

  it('keeps a live number under its old name, saying what to do, when it cannot register within 14 days of a name approval', async () => {
    await t.bench.run(async () => {
      const { journey, view } = await startLive(t.bench);
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      // Meta refuses every register for its 72-hour limit: the re-register cannot happen in time.
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'error', code: 133016, times: 20 });
      await handle.executeUpdate(submitDisplayNameUpdate, {
        args: [{ displayName: 'Acme Helpline', actor: 'ops@acme' }],
      });
      await decideName(t.bench, journey, 'APPROVED');
      const waiting = await journey.until(
        (v) => v.deadlines.reRegisterBy !== null && v.waiting?.for === 'meta',
        'waiting',
      );
      expect(Date.parse(waiting.deadlines.reRegisterBy as string) - (await t.env.currentTimeMs())).toBeGreaterThan(
        13 * DAY,
      );
      await t.env.sleep(14 * DAY + HOUR);
      const after = await journey.until((v) => v.displayName.status === 'REREGISTER_WINDOW_MISSED', 'window missed');
      expect(after).toMatchObject({ stage: 'LIVE', displayName: { current: view.displayName.current, pending: null } });
      expect(after.deadlines.reRegisterBy).toBeNull();
      expect(after.notes.map((n) => n.what).join('\n')).toContain('request the name change again');
      t.bench.sandbox.admin.clearFaults();
      await t.bench.terminateWhenIdle(journey.workflowId);
    });
  });
});
