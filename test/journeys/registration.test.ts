import { describe, expect, it } from 'vitest';
import { submitOtpUpdate, submitPinUpdate } from '../../src/domain/messages.js';
import { type JourneyHandle } from '../support/harness.js';
import { useBench } from '../support/bench.js';

describe('registering with the two-step PIN (dev server + Graph sandbox)', () => {
  const t = useBench('dev');

  async function verified(journey: JourneyHandle): Promise<string> {
    const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
    const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
    await t.env.client.workflow
      .getHandle(journey.workflowId)
      .executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'operator@acme' }] });
    return phoneNumberId as string;
  }

  /** A number re-added with two-step verification on (its old PIN 246810): verified, its journey asks for that PIN. */
  async function askingForOldPin() {
    const input = t.bench.input();
    t.bench.sandbox.admin.presetTwoStepPin(input.phoneNumber.e164, '246810');
    const journey = await t.bench.start(input);
    await verified(journey);
    const waiting = await journey.until((v) => v.stage === 'AWAITING_PIN', 'AWAITING_PIN');
    const handle = t.env.client.workflow.getHandle(journey.workflowId);
    const submitPin = (pin: string) => handle.executeUpdate(submitPinUpdate, { args: [{ pin, actor: 'owner@acme' }] });
    return { journey, waiting, handle, submitPin };
  }

  it('asks for the old PIN when the number was re-added with two-step verification on', async () => {
    await t.bench.run(async () => {
      const { journey, waiting, handle, submitPin } = await askingForOldPin();
      expect(waiting.waiting).toMatchObject({ for: 'operator' });
      expect(waiting.waiting?.reason).toContain('old PIN');
      expect(waiting.lastError).toMatchObject({ code: 133005, errorClass: 'permanent' });
      expect(await submitPin('135790')).toEqual({
        accepted: false,
        message: 'PIN wrong, 2 attempts left',
        attemptsLeft: 2,
      });
      await journey.until((v) => v.stage === 'AWAITING_PIN', 'AWAITING_PIN again');
      expect(await submitPin('246810')).toEqual({
        accepted: true,
        message: 'PIN accepted, number registered',
        attemptsLeft: null,
      });
      const registered = await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW');
      expect(registered).toMatchObject({ status: 'CONNECTED', attempts: { wrongPins: 1, registerCalls: 3 } });
      await handle.terminate('test done');
    });
  });

  it("ends PIN_ATTEMPTS_EXHAUSTED after the last wrong old PIN, with Meta's answer to it", async () => {
    await t.bench.run(async () => {
      const { journey, handle, submitPin } = await askingForOldPin();
      for (const left of [2, 1]) {
        expect((await submitPin('135790')).attemptsLeft).toBe(left);
        await journey.until((v) => v.stage === 'AWAITING_PIN', `AWAITING_PIN, ${left} left`);
      }
      expect(await submitPin('135790')).toEqual({
        accepted: false,
        message: 'PIN wrong, no attempts left: the journey ends FAILED (PIN_ATTEMPTS_EXHAUSTED)',
        attemptsLeft: 0,
      });
      expect(await handle.result()).toMatchObject({
        outcome: 'FAILED',
        reasonCode: 'PIN_ATTEMPTS_EXHAUSTED',
        actor: null,
        metaError: { code: 133005, fbtraceId: expect.any(String) },
      });
    });
  });

  it('lets the operator choose the PIN when the journey is told so', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input({ pinPolicy: 'operator' }));
      await verified(journey);
      await journey.until((v) => v.stage === 'AWAITING_PIN', 'AWAITING_PIN');
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      const refused = await handle
        .executeUpdate(submitPinUpdate, { args: [{ pin: '12345', actor: 'owner@acme' }] })
        .catch((err: Error & { cause?: Error }) => err.cause?.message);
      expect(refused).toBe('the two-step PIN must be exactly 6 digits');
      expect(
        await handle.executeUpdate(submitPinUpdate, { args: [{ pin: '864200', actor: 'owner@acme' }] }),
      ).toMatchObject({
        accepted: true,
      });
      await journey.until((v) => v.status === 'CONNECTED', 'CONNECTED');
      await handle.terminate('test done');
    });
  });

  it('tells an operator whose PIN met an expired verification (133006) why, not that Meta refused the registration', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input({ pinPolicy: 'operator' }));
      await verified(journey);
      await journey.until((v) => v.stage === 'AWAITING_PIN', 'AWAITING_PIN');
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'error', code: 133006, times: 1 });
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      expect(await handle.executeUpdate(submitPinUpdate, { args: [{ pin: '864200', actor: 'owner@acme' }] })).toEqual({
        accepted: false,
        message:
          "Meta refused the registration: the number's verification is no longer valid (133006); numberflow requests a new code — submit it, and the PIN is used once it is verified",
        attemptsLeft: null,
      });
      await journey.until((v) => v.stage === 'AWAITING_OTP' && v.attempts.codeRequests === 2, 'a new code');
      await handle.terminate('test done');
    });
  });
});
