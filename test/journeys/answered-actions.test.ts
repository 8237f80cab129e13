import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  confirmDeletionUpdate,
  requestRemovalUpdate,
  resendCodeSignal,
  resendCodeUpdate,
  type SubmissionOutcome,
} from '../../src/domain/messages.js';
import { capabilityUpdateSignal, portfolioQuery, portfolioWorkflowId } from '../../src/domain/portfolio.js';
import { useBench } from '../support/bench.js';
import { startLive, submitDeliveredCode } from '../support/steps.js';

/** The validator's reason for refusing an update (nothing reaches history). */
async function refusal<Arg>(
  handle: WorkflowHandle,
  update: UpdateDefinition<SubmissionOutcome, [Arg]>,
  arg: Arg,
): Promise<string> {
  const failure = await handle.executeUpdate(update, { args: [arg] }).then(
    () => null,
    (err: unknown) => err,
  );
  expect(failure).toBeInstanceOf(WorkflowUpdateFailedError);
  return (failure as WorkflowUpdateFailedError).cause?.message ?? '';
}

describe('resend, removal and deletion confirmation answered as updates (dev server + Graph sandbox)', () => {
  const t = useBench('dev');

  it('answers a resend, refusing one the journey cannot take with the reason', async () => {
    await t.bench.run(async () => {
      const input = t.bench.input({ ivr: true });
      t.bench.sandbox.admin.markIvr(input.phoneNumber.e164);
      const journey = await t.bench.start(input);
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      expect(await refusal(handle, resendCodeUpdate, { method: 'SMS', actor: 'ops@acme' })).toBe(
        'an IVR number cannot receive SMS; use VOICE',
      );
      expect(await refusal(handle, resendCodeUpdate, { actor: ' ' })).toBe('who is acting must be given (actor)');
      expect(await handle.executeUpdate(resendCodeUpdate, { args: [{ actor: 'ops@acme' }] })).toEqual({
        accepted: true,
        pending: true,
        message: 'asking Meta for a new code by VOICE',
        attemptsLeft: null,
      });
      const view = await journey.until((v) => v.attempts.codeRequests === 2, 'a second code');
      expect(view.notes).toContainEqual(
        expect.objectContaining({ actor: 'ops@acme', what: 'asked for a new code by VOICE' }),
      );
      await handle.terminate('test done');
    });
  });

  it('refuses a resend past the five codes a journey asks for, and takes the latest code after it', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      for (let requests = 2; requests <= 5; requests++) {
        await handle.executeUpdate(resendCodeUpdate, { args: [{ actor: 'ops@acme' }] });
        await journey.until(
          (v) => v.attempts.codeRequests === requests && v.stage === 'AWAITING_OTP',
          `code ${requests}`,
        );
      }
      const spent = '5 of 5 codes have been requested, the most a journey asks for: submit the latest code, or cancel';
      expect(await refusal(handle, resendCodeUpdate, { actor: 'ops@acme' })).toBe(spent);
      // By signal (the API's resend before the update), it is noted and ignored: the journey still waits.
      await handle.signal(resendCodeSignal, { actor: 'ops@acme' });
      const noted = await journey.until(
        (v) => v.notes.some((n) => n.what === `resend ignored: ${spent}`),
        'the ignored resend noted',
      );
      expect({ stage: noted.stage, result: noted.result, codes: noted.attempts.codeRequests }).toEqual({
        stage: 'AWAITING_OTP',
        result: null,
        codes: 5,
      });
      // The wait says what its end brings now: no sixth code, the journey's end.
      expect(noted.waiting?.reason).toContain(
        'this is the last of the 5 codes a journey asks for: the journey ends FAILED (OTP_NOT_VERIFIED) when the wait ends',
      );
      expect(noted.waiting?.reason).not.toContain('a new one is requested');
      await submitDeliveredCode(t.bench, journey);
      await journey.until((v) => v.stage !== 'AWAITING_OTP' && v.stage !== 'VERIFYING_CODE', 'past the code');
      expect((await journey.view()).result).toBeNull();
      await handle.terminate('test done');
    });
  });

  it("removes a live number at an admin's request, answers a confirmation with what Meta shows, and notes who set a cap", async () => {
    await t.bench.run(async () => {
      const { journey, view } = await startLive(t.bench);
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      expect(await refusal(handle, confirmDeletionUpdate, { actor: 'admin@acme' })).toBe(
        'this journey is not waiting for a deletion confirmation (stage LIVE)',
      );
      expect(await refusal(handle, requestRemovalUpdate, { actor: 'ops@acme', role: 'operator', reason: 'x' })).toBe(
        'role "operator" lacks admin rights on the portfolio; only an admin can remove a number',
      );
      const removal = { actor: 'admin@acme', role: 'admin', reason: 'number retired' };
      expect(await handle.executeUpdate(requestRemovalUpdate, { args: [removal] })).toMatchObject({
        accepted: true,
        pending: true,
      });
      await journey.until((v) => v.waiting?.for === 'admin', 'waiting for the deletion');
      expect(await handle.executeUpdate(confirmDeletionUpdate, { args: [{ actor: 'admin@acme' }] })).toMatchObject({
        accepted: false,
        message: expect.stringMatching(/^Meta still shows the number/),
      });
      t.bench.sandbox.admin.deleteNumber(view.phoneNumberId as string);
      await journey.until((v) => v.waiting?.for === 'admin', 'waiting for the deletion again');
      expect(await handle.executeUpdate(confirmDeletionUpdate, { args: [{ actor: 'admin@acme' }] })).toEqual({
        accepted: true,
        message: 'Meta no longer shows the number: the journey ends REMOVED',
        attemptsLeft: null,
      });
      expect(await handle.result()).toMatchObject({ outcome: 'REMOVED', actor: 'admin@acme' });

      const portfolio = t.env.client.workflow.getHandle(portfolioWorkflowId(t.bench.portfolioId));
      await portfolio.signal(capabilityUpdateSignal, { maxPhoneNumbers: 1000 }); // Meta's, unchanged: nothing to note
      await portfolio.signal(capabilityUpdateSignal, {
        maxPhoneNumbers: 1000,
        source: 'admin',
        actor: 'admin@acme',
        reason: 'checked',
      });
      let notes: string[] = [];
      for (let attempt = 0; attempt < 100 && !notes.some((n) => n.includes('admin@acme')); attempt++) {
        notes = (await portfolio.query(portfolioQuery)).notes.map((n) => n.what);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(notes.filter((n) => n.startsWith('the cap is now'))).toEqual([
        'the cap is now 1000 registered numbers (set by admin@acme: checked)',
      ]);
    });
  });
});
