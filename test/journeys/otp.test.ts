import { WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { journeyTimeline } from '../../src/audit/index.js';
import { resendCodeSignal, resendCodeUpdate, submitOtpUpdate } from '../../src/domain/messages.js';
import { useBench } from '../support/bench.js';
import { patchesIn, upsertedStage } from '../support/history.js';

describe('verifying the code (dev server + Graph sandbox)', () => {
  const t = useBench('dev');

  const submit = (workflowId: string, code: string, actor = 'operator@acme') =>
    t.env.client.workflow.getHandle(workflowId).executeUpdate(submitOtpUpdate, { args: [{ code, actor }] });
  const wrongCode = (right: string) => (right === '000000' ? '111111' : '000000');
  /**
   * Past the 5 s a slow verify call takes at the sandbox, and a second: the call log has it by then. A call sent
   * again while it was on its way would be in the log too (the answer may have come from that one, sooner).
   */
  const verifyCalls = (phoneNumberId: string) =>
    t.bench.sandbox.admin
      .calls()
      .filter((c) => c.endpoint === 'POST /{phone-number-id}/verify_code' && c.path.includes(phoneNumberId));
  /** A journey awaiting its code, whose number is verified at Meta meanwhile with that code, outside the journey. */
  const verifiedAtMetaMeanwhile = async () => {
    const journey = await t.bench.start(t.bench.input());
    const view = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
    const phoneNumberId = view.phoneNumberId as string;
    const code = t.bench.sandbox.admin.latestCode(phoneNumberId) as string;
    await t.bench.graph.verifyCode({ wabaId: t.bench.wabaId, phoneNumberId }, code);
    return { journey, phoneNumberId, code };
  };
  const pastTheSlowCall = (submittedAt: number) =>
    new Promise((resolve) => setTimeout(resolve, Math.max(0, submittedAt + 6_000 - Date.now())));

  it('answers a wrong code with the attempts left, then accepts the right one', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const { phoneNumberId, deadlines } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      // Meta's code lasts 10 of the wait's 15 minutes.
      expect(Date.parse(deadlines.codeExpiresAt as string) - Date.parse(deadlines.codeLastsUntil as string)).toBe(
        5 * 60_000,
      );
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      expect(await submit(journey.workflowId, wrongCode(code))).toEqual({
        accepted: false,
        message: 'code wrong, 2 attempts left',
        attemptsLeft: 2,
      });
      expect((await journey.view()).stage).toBe('AWAITING_OTP');
      // Meta's code arrives as "123-830"; the operator may type it so.
      expect(await submit(journey.workflowId, `${code.slice(0, 3)}-${code.slice(3)}`)).toMatchObject({
        accepted: true,
      });
      const view = await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW');
      expect(view.attempts).toMatchObject({ wrongCodes: 1, codeRequests: 1 });
    });
  });

  it('lets a resend taken in with the code it then verified go, saying so, and never asks for it later', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      // Meta takes 2 s to answer a wrong code, verified inside the task: the resend and the right code sent meanwhile
      // are taken in by the next task together, the resend first.
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /verify_code', kind: 'latency', latencyMs: 2_000, times: 1 });
      const wrong = submit(journey.workflowId, wrongCode(code));
      await new Promise((resolve) => setTimeout(resolve, 700));
      const resend = handle.executeUpdate(resendCodeUpdate, { args: [{ actor: 'admin@acme' }] });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const right = submit(journey.workflowId, code);
      expect(await wrong).toMatchObject({ accepted: false });
      expect(await resend).toMatchObject({ accepted: true, pending: true });
      expect(await right).toMatchObject({ accepted: true });
      const view = await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW');
      expect(view.notes).toContainEqual(
        expect.objectContaining({
          actor: 'admin@acme',
          what: 'asked for a new code: not asked for, the code submitted with it was verified first',
        }),
      );
      const requests = t.bench.sandbox.admin.calls().filter((c) => c.endpoint.endsWith('/request_code'));
      expect(requests.filter((c) => c.path.includes(phoneNumberId as string))).toHaveLength(1);
      expect(view.attempts.codeRequests).toBe(1);
      expect(patchesIn(await handle.fetchHistory())).toContain('resend-dropped-once-verified');
    });
  });

  it('does not call a code Meta refused accepted when Meta shows the number verified meanwhile, and goes on', async () => {
    await t.bench.run(async () => {
      // Someone verifies the number at Meta by hand while the journey waits; the operator then sends a wrong code.
      const { journey, code } = await verifiedAtMetaMeanwhile();
      expect(await submit(journey.workflowId, wrongCode(code))).toEqual({
        accepted: true,
        message:
          'Meta refused this code, but Meta shows the number verified (by an earlier submission whose answer was ' +
          'lost, or a verification made elsewhere); numberflow goes on to registering',
        attemptsLeft: null,
      });
      const view = await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW');
      expect(view.attempts).toMatchObject({ wrongCodes: 0 });
      expect(view.notes.map((n) => n.what)).toContain(
        'submitted a code that Meta refused, but Meta shows the number verified (by an earlier submission whose ' +
          'answer was lost, or a verification made elsewhere)',
      );
      expect(view.notes.map((n) => n.what)).not.toContain('submitted the code: verified');
      // The auditor reads the same: Meta's refusal, and the number taken as verified.
      const timeline = await journeyTimeline(t.env.client, journey.workflowId.replace(/^number:/, ''));
      const verifies = timeline.entries.filter((e) => e.endpoint === 'POST /{phone-number-id}/verify_code');
      expect(verifies.map((e) => e.outcome)).toEqual([
        'Meta refused the code (136025) but shows the number verified: taken as verified',
      ]);
    });
  });

  // A worker that died with the code on its way to Meta: the task that took the code runs again on another worker,
  // well after the operator submitted it.
  it('reads Meta before sending a code taken long after its submission, and does not send one Meta took already', async () => {
    await t.bench.run(async () => {
      // The dead worker's call, which Meta took.
      const { journey, phoneNumberId, code } = await verifiedAtMetaMeanwhile();
      const sentBefore = verifyCalls(phoneNumberId).length;
      const submittedAt = new Date(Date.now() - 20_000).toISOString();
      const answer = await t.env.client.workflow
        .getHandle(journey.workflowId)
        .executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'operator@acme', submittedAt }] });
      // Not "code accepted": unsent, the code may be wrong (the number verified elsewhere); it is verified all the same.
      expect(answer).toEqual({
        accepted: true,
        message:
          'Meta already shows the number verified (by this code, sent by a worker that stopped before its answer, or a ' +
          'verification made elsewhere): the code was not sent again; numberflow goes on to registering',
        attemptsLeft: null,
      });
      await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW');
      expect(verifyCalls(phoneNumberId)).toHaveLength(sentBefore); // read, not sent again
    });
  });

  it('verifies a code Meta is slow to take once: the task lets go after 3 s and an activity waits for that call', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      // The verify call waits 5 s at Meta: it takes the code after the task let it go; the activity taking over, in
      // the same worker, waits for that call rather than send the code a second time.
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /verify_code', kind: 'latency', latencyMs: 5_000, times: 1 });
      const submittedAt = Date.now();
      expect(await submit(journey.workflowId, code)).toEqual({
        accepted: true,
        message: 'code accepted',
        attemptsLeft: null,
      });
      const view = await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW');
      expect(view.attempts).toMatchObject({ wrongCodes: 0 });
      await pastTheSlowCall(submittedAt);
      const verifies = verifyCalls(phoneNumberId as string);
      expect(verifies.map((c) => c.status)).toEqual([200]);
      const events = (await t.env.client.workflow.getHandle(journey.workflowId).fetchHistory()).events ?? [];
      const verifyActivities = events.filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'verifyCode',
      );
      expect(verifyActivities).toHaveLength(1);
      // VERIFYING_CODE is written to visibility only once the task lets go: lists show it while the activity calls.
      const verifying = events.findIndex((e) => upsertedStage(e) === 'VERIFYING_CODE');
      expect(verifying).toBeGreaterThan(-1);
      expect(verifying).toBeLessThan(events.indexOf(verifyActivities[0] as (typeof events)[number]));
      expect(events.filter((e) => upsertedStage(e) === 'VERIFYING_CODE')).toHaveLength(1);
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it("sends a wrong code Meta is slow to answer once: one of Meta's attempts, one counted", async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const wrong = wrongCode(t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string);
      // Sent twice (the task's call, then the activity's), Meta would count two wrong attempts for one the journey counts.
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /verify_code', kind: 'latency', latencyMs: 5_000, times: 1 });
      const submittedAt = Date.now();
      expect(await submit(journey.workflowId, wrong)).toEqual({
        accepted: false,
        message: 'code wrong, 2 attempts left',
        attemptsLeft: 2,
      });
      await pastTheSlowCall(submittedAt);
      const verifies = verifyCalls(phoneNumberId as string);
      expect(verifies.map((c) => c.status)).toEqual([400]);
      expect((await journey.view()).attempts).toMatchObject({ wrongCodes: 1 });
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('fails the journey with remediation once the attempts are spent', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const wrong = wrongCode(t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string);
      expect((await submit(journey.workflowId, wrong)).message).toBe('code wrong, 2 attempts left');
      expect((await submit(journey.workflowId, wrong)).message).toBe('code wrong, 1 attempt left');
      expect(await submit(journey.workflowId, wrong)).toEqual({
        accepted: false,
        message: 'code wrong, no attempts left: the journey ends FAILED (OTP_ATTEMPTS_EXHAUSTED)',
        attemptsLeft: 0,
      });
      const result = await t.env.client.workflow.getHandle(journey.workflowId).result();
      // Meta's answer to the last code stands in the result, as in an ending by Meta's error.
      expect(result).toMatchObject({
        outcome: 'FAILED',
        reasonCode: 'OTP_ATTEMPTS_EXHAUSTED',
        metaError: { code: 136025, fbtraceId: expect.any(String) },
      });
      expect(result.remediation).toContain('OTP verification failed');
      expect((await journey.view()).stage).toBe('FAILED');
      // Each wrong code goes back to AWAITING_OTP in history; the last ends the journey in VERIFYING_CODE, which is
      // written before it tidies up, then the ending.
      const events = (await t.env.client.workflow.getHandle(journey.workflowId).fetchHistory()).events ?? [];
      const stages = events.flatMap((e) => upsertedStage(e) ?? []);
      expect(stages.slice(stages.indexOf('AWAITING_OTP'))).toEqual([
        'AWAITING_OTP',
        'AWAITING_OTP',
        'AWAITING_OTP',
        'VERIFYING_CODE',
        'FAILED',
      ]);
    });
  });

  it('sends a new code on request and switches SMS to VOICE', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const id = phoneNumberId as string;
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      await handle.signal(resendCodeSignal, { method: 'VOICE', actor: 'operator@acme' });
      const view = await journey.until(
        (v) => v.attempts.codeRequests === 2 && v.stage === 'AWAITING_OTP',
        'a second code',
      );
      expect(view.codeMethod).toBe('VOICE');
      const outbox = t.bench.sandbox.admin.outbox({ phoneNumberId: id });
      expect(outbox.map((entry) => entry.method)).toEqual(['SMS', 'VOICE']);
      expect(await submit(journey.workflowId, outbox[1]!.code)).toMatchObject({ accepted: true });
    });
  });

  it('keeps the code it sent when Meta refuses a resend (136024), and verifies that code', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /request_code', kind: 'error', code: 136024, times: 1 });
      await t.env.client.workflow
        .getHandle(journey.workflowId)
        .signal(resendCodeSignal, { actor: 'operator@acme', method: 'VOICE' });
      const refused = await journey.until(
        (v) => v.notes.some((n) => n.what.includes('the code sent before by SMS may still be used until')),
        'the refusal noted',
      );
      expect(refused.result).toBeNull();
      expect(refused.notes.at(-1)?.what).toMatch(
        /^Requesting the code by VOICE failed: Meta error 136024 \(.*\); the code sent before by SMS may still be used until \S+Z: submit it; numberflow asks Meta once more when its wait ends at \S+Z \(refused again, the journey ends FAILED\), or ask again later$/,
      );
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'waiting for the code again');
      expect(await submit(journey.workflowId, code)).toMatchObject({ accepted: true });
      const view = await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW');
      expect(view.attempts).toMatchObject({ codeRequests: 1, wrongCodes: 0 });
      expect(view.codeMethod).toBe('SMS'); // the code that stood was the SMS one
    });
  });

  it('keeps the code it sent when Meta limits a resend, instead of holding the code until Meta answers', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      // Meta's rate limit (80007): its wait is minutes, through which the code sent before could not be submitted.
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /request_code', kind: 'error', code: 80007, times: 1 });
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      await handle.signal(resendCodeSignal, { actor: 'operator@acme' });
      const kept = await journey.until(
        (v) => v.notes.some((n) => n.what.includes('no new code was sent')),
        'the resend given up',
      );
      expect(kept.notes.at(-1)?.what).toMatch(
        /^Requesting the code by SMS failed: Meta error 80007 \(.*\): no new code was sent; the code sent before by SMS may still be used until \S+Z: submit it, or ask again for a new code later$/,
      );
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'waiting for the code again');
      expect(await submit(journey.workflowId, code)).toMatchObject({ accepted: true });
      const view = await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW');
      expect(view.attempts).toMatchObject({ codeRequests: 1, wrongCodes: 0 });
      expect(patchesIn(await handle.fetchHistory())).toContain('resend-during-an-outage-keeps-the-code');
    });
  });

  it('waits for Meta as before when a resend switches the method (the code sent before never arrived)', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /request_code', kind: 'error', code: 80007, times: 1 });
      await t.env.client.workflow
        .getHandle(journey.workflowId)
        .signal(resendCodeSignal, { actor: 'operator@acme', method: 'VOICE' });
      const waiting = await journey.until(
        (v) => v.stage === 'REQUESTING_CODE' && v.waiting?.for === 'meta',
        'waiting for Meta to send the VOICE code',
      );
      expect(waiting.codeMethod).toBe('VOICE');
      expect(waiting.notes.map((n) => n.what).join('\n')).not.toContain('no new code was sent');
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it("answers a code held through Meta's rate limit with Meta's error and when it is verified", async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /verify_code', kind: 'error', code: 80007, times: 1 });
      const answer = await submit(journey.workflowId, code);
      // It said "Meta is not answering" for any wait, a rate limit Meta answered included.
      expect(answer).toMatchObject({ accepted: true, pending: true });
      expect(answer.message).toMatch(/^code received; Meta error 80007 \(.+\): numberflow verifies it after \S+Z$/);
      // A second operator sees the code held, whose, and why.
      const held = await journey.view();
      expect(held.notes.map((n) => `${n.actor}: ${n.what}`)).toContainEqual(
        expect.stringMatching(
          /^operator@acme: submitted a code, held while Meta error 80007 .+: numberflow verifies it after \S+Z$/,
        ),
      );
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it("answers a code Meta refuses for good with Meta's answer and the ending, not a bare refusal", async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /verify_code', kind: 'error', code: 368, times: 1 });
      const answer = await submit(journey.workflowId, code);
      expect(answer).toMatchObject({ accepted: false, attemptsLeft: null });
      expect(answer.message).toMatch(/^Verifying the code failed: Meta error 368 \(.+\): the journey ends FAILED$/);
      expect((await journey.until((v) => v.result !== null, 'the end')).result?.outcome).toBe('FAILED');
    });
  });

  it('reaches a number behind an IVR by voice: SMS never arrives there', async () => {
    await t.bench.run(async () => {
      const input = t.bench.input({ ivr: true });
      t.bench.sandbox.admin.markIvr(input.phoneNumber.e164);
      const journey = await t.bench.start(input);
      const view = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      expect(view.codeMethod).toBe('VOICE');
      expect(view.waiting?.reason).toContain("allow-list Meta's caller numbers");
      const [delivered] = t.bench.sandbox.admin.outbox({ phoneNumberId: view.phoneNumberId as string });
      expect(delivered).toMatchObject({ method: 'VOICE', delivered: true });
      expect(await submit(journey.workflowId, delivered!.code)).toMatchObject({ accepted: true });
    });
  });

  it.each([
    ['12345', 'the code must be 6 digits, got 5'],
    ['12345a', 'the code must be 6 digits, e.g. 123830 or 123-830'],
    ['', 'the code is empty'],
  ])('refuses the code "%s" in the validator, leaving no event in history', async (code, message) => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      const before = (await handle.fetchHistory()).events?.length;
      const error = await submit(journey.workflowId, code).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((error as WorkflowUpdateFailedError).cause?.message).toBe(message);
      expect((await handle.fetchHistory()).events?.length).toBe(before);
      await handle.terminate('test done');
    });
  });

  it('refuses a code for a journey that is not waiting for one', async () => {
    await t.bench.run(async () => {
      const input = t.bench.input();
      const journey = await t.bench.start(input);
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      await submit(journey.workflowId, t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string);
      await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW');
      const error = await submit(journey.workflowId, '123456').catch((err: unknown) => err);
      expect((error as WorkflowUpdateFailedError).cause?.message).toBe(
        'this journey is not waiting for a code (stage DISPLAY_NAME_REVIEW)',
      );
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });
});
