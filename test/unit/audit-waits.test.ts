// Why the audit says a durable wait was started, from the stage, its length and a Graph call that failed just before.
import { describe, expect, it } from 'vitest';
import { waitReason, type WaitContext } from '../../src/audit/waits.js';
import { journeyPolicy } from '../../src/domain/policy.js';

const at = Date.parse('2026-12-05T10:00:00Z');
const wait = (context: Partial<WaitContext>): string =>
  waitReason({
    stage: 'AWAITING_NEW_NAME',
    durationMs: journeyPolicy.humanInputWaitMs,
    untilMs: at + (context.durationMs ?? journeyPolicy.humanInputWaitMs),
    signupAtMs: null,
    failedCall: null,
    ...context,
  });

describe("the audit's reason for a durable wait", () => {
  it("reads a person's days after Meta refused a name as the person's wait, not a retry of the call", () => {
    const refusedName = { meta: { code: 131000 } };
    expect(wait({ failedCall: refusedName })).toBe("an operator's new display name after a rejection (7 days)");
    expect(wait({ failedCall: refusedName, durationMs: journeyPolicy.humanInputWaitMs - 3_600_000 })).toBe(
      "an operator's new display name after a rejection (7 days)",
    );
    expect(wait({ stage: 'AWAITING_PIN', failedCall: { meta: { code: 133005 } } })).toBe(
      "an operator's two-step PIN (7 days)",
    );
  });

  it("reads a short wait right after a failed call as the call's retry", () => {
    expect(wait({ failedCall: { meta: { code: 131000 } }, durationMs: 5_000 })).toBe(
      'Meta error 131000: numberflow waits 5 s, then calls again',
    );
    expect(wait({ failedCall: { meta: { code: 80007 } }, durationMs: 3_600_000 })).toBe(
      'Meta error 80007: numberflow waits 60 min, then calls again',
    );
    expect(wait({ stage: 'REGISTERING', failedCall: { meta: { code: 133016 } }, durationMs: 72 * 3_600_000 })).toBe(
      "Meta's register limit (133016): a durable wait of 72 hours, then one register",
    );
  });

  it("reads a live rename's window counted from Meta's approval date, a little under 14 days, as the window", () => {
    const window =
      'Meta applies an approved display name at the next register, which must come within 14 days of the approval';
    for (const short of [0, 340, 90 * 60_000]) {
      expect(wait({ stage: 'LIVE', durationMs: journeyPolicy.reRegisterWindowMs - short })).toBe(window);
    }
    // A removal's wait for Meta's paid-message block may last as long: it stays the block's.
    expect(wait({ stage: 'REMOVING', durationMs: journeyPolicy.reRegisterWindowMs - 340 })).toBe(
      'Meta refuses deletion for 30 days after a paid message',
    );
  });
});
