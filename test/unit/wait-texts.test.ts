// The wait catalog (src/domain/wait-texts.ts): each kind of wait worded once, from typed parameters; a page or the CLI
// that reads a wait by how it begins still finds it.
import { describe, expect, it } from 'vitest';
import { CHOOSING_PIN, DELETION_WAIT, REMOVAL_BLOCKED } from '../../src/domain/journey.js';
import { endingResult } from '../../src/domain/endings.js';
import { IVR_ADVICE, IVR_CALL_ADVICE, waitText } from '../../src/domain/wait-texts.js';
import { graphErrorCatalog } from '../../src/graph/errors.js';

const codeWait = {
  method: 'SMS',
  ivr: false,
  newCode: 'ask for a new code',
  last: null,
  liveRename: false,
  unconfirmed: false,
} as const;

describe('the words of a wait', () => {
  it('asks for the old PIN when the number was re-added with two-step verification on, and the current one in a live rename', () => {
    const old = waitText('OLD_PIN', { liveRename: false });
    expect(old).toMatch(
      /^two-step verification already holds another PIN \(was the number deleted and added again\?\)/,
    );
    expect(old.startsWith(CHOOSING_PIN)).toBe(false); // the console offers the old-PIN form, not the choosing one
    expect(waitText('OLD_PIN', { liveRename: true })).toContain("an operator must submit the number's current PIN");
  });

  it('asks for a new token, or for the store key back when the stored token cannot be opened', () => {
    expect(waitText('TOKEN_UNUSABLE', { wabaId: '7', keyMissing: false })).toBe(
      'a working Meta token for WABA 7 is needed: finish Embedded Signup again, or have someone with the token store run `numberflow token set --waba 7` in direct mode (a WABA id given wrong: cancel the journey)',
    );
    expect(waitText('TOKEN_UNUSABLE', { wabaId: '7', keyMissing: true })).toMatch(
      /^the stored Meta token for WABA 7 cannot be opened with the workers' store keys: put its key back in NUMBERFLOW_STORE_KEY/,
    );
  });

  it('words the code wait by its method, and adds the IVR advice for a number behind one', () => {
    expect(waitText('CODE', codeWait)).toBe(
      'an operator must submit the 6-digit code Meta sent by SMS within about 10 minutes (a later one counts as wrong: ask for a new code); a new one is requested when the wait ends.',
    );
    const ivr = waitText('CODE', {
      ...codeWait,
      method: 'VOICE',
      ivr: true,
      unconfirmed: true,
      last: { of: 5, ends: 'the journey ends FAILED (OTP_NOT_VERIFIED)' },
    });
    expect(ivr).toMatch(/^Meta may have sent a code by voice call \(its answer to the request was lost\)/);
    expect(ivr).toContain(
      'this is the last of the 5 codes a journey asks for: the journey ends FAILED (OTP_NOT_VERIFIED) when the wait ends.',
    );
    expect(ivr.endsWith(` The number is behind an IVR: ${IVR_CALL_ADVICE}.`)).toBe(true);
  });

  it('says until when the code sent before still stands while Meta refuses a new one', () => {
    expect(
      waitText('CODE_REFUSED', { reason: 'r', standingUntil: '2026-01-01T00:00:00.000Z', refusedAgain: '(x)' }),
    ).toBe(
      'Meta refused a new code (r); the code sent before may still be submitted until 2026-01-01T00:00:00.000Z; numberflow asks once more when the wait ends (x).',
    );
    expect(waitText('CODE_REFUSED', { reason: 'r', standingUntil: null, refusedAgain: '(x)' })).toBe(
      'Meta refused a new code (r); numberflow asks once more when the wait ends (x).',
    );
  });

  it("names Meta's cap for an unverified business only when the cap is that one", () => {
    const at = (metaDefaultCap: boolean) =>
      waitText('CAP_REACHED', { cap: 2, position: 3, portfolioId: 'p1', metaDefaultCap });
    expect(at(true)).toContain('reached: 2 when it answered (Meta raises it to 20');
    expect(at(false)).toBe(
      "the portfolio's cap of registered numbers is reached: 2 when it answered; place 3 in its queue then — `numberflow portfolio show p1` shows the queue now",
    );
  });

  it('begins the deletion and removal-blocked waits as the pages and the CLI read them', () => {
    const own = waitText('DELETION', { e164: '+14155550100', numberPin: false });
    expect(own.startsWith(DELETION_WAIT)).toBe(true);
    expect(own).toContain("it is the number's own: numberflow set none");
    expect(waitText('DELETION', { e164: '+14155550100', numberPin: true })).toContain(
      '`numberflow reveal-pin +14155550100 --reason …`, POST /v1/journeys/{e164}/pin-reveal',
    );
    expect(waitText('REMOVAL_BLOCKED', { reason: 'why', remediation: 'Do this.' })).toBe(
      `${REMOVAL_BLOCKED}: why. Do this.`,
    );
    expect(waitText('DELETION_CHECK', { confirming: 'ana' })).toBe(
      'checking at Meta that the number is gone, as ana confirmed',
    );
  });

  it("gives the same IVR advice in the code wait, the endings without a verified code and Meta's 136024", () => {
    expect(IVR_ADVICE).toBe(`Behind an IVR: use VOICE, ${IVR_CALL_ADVICE}.`);
    for (const remediation of [
      endingResult('OTP_NOT_VERIFIED', { requests: 5 }).remediation,
      endingResult('OTP_ATTEMPTS_EXHAUSTED', { attempts: 3 }).remediation,
    ]) {
      expect(remediation).toMatch(/^OTP verification failed/);
      expect(remediation).toContain(` ${IVR_ADVICE} Then start a new journey.`);
    }
    expect(graphErrorCatalog[136024]?.remediation).toMatch(
      /^Meta could not send the code: .*refused too\)\. Behind an IVR: use VOICE, /,
    );
  });
});
