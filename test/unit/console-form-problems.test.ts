// A console form's problems name their field, unless the words already do.
import { describe, expect, it } from 'vitest';
import { otpBody } from '../../src/http/api/schemas.js';
import { confirmationLabels, formProblems } from '../../src/http/console/routes/journey.js';

describe("a console form's problems", () => {
  it('names each field, unless its words name it', () => {
    expect(
      formProblems([
        { path: ['code'], message: 'the code must be 6 digits, got 5' },
        { path: ['method'], message: 'is required' },
        { path: [], message: 'the form is empty' },
      ]),
    ).toBe('the code must be 6 digits, got 5; method: is required; the form is empty');
  });

  it("names a field by the label of the form it is on: a reason, a confirmation's method and note", () => {
    const reason = [{ path: ['reason'], message: 'is required: say why' }];
    expect(formProblems(reason, { reason: 'why cancel' })).toBe('why cancel: is required: say why');
    const confirmation = [
      { path: ['method'], message: 'must be one of phone_call, …' },
      { path: ['note'], message: 'must be at most 500 characters' },
    ];
    expect(formProblems(confirmation, confirmationLabels)).toBe(
      'how you re-verified: must be one of phone_call, …; what you checked: must be at most 500 characters',
    );
  });

  it('names a field by its label, and says each problem once', () => {
    expect(
      formProblems([
        { path: ['code'], message: 'the code must be 6 digits, got 25' },
        { path: ['code'], message: 'the code must be 6 digits, got 25' },
        { path: ['to'], message: "must be the customer's wa_id" },
        { path: ['displayName'], message: 'the display name is empty' },
      ]),
    ).toBe(
      "the code must be 6 digits, got 25; test message to: must be the customer's wa_id; the display name is empty",
    );
  });

  it('says a code past its bound by the bound alone, not also that it is not 6 digits', () => {
    const refused = otpBody.safeParse({ code: '1'.repeat(25) });
    expect(refused.success).toBe(false);
    expect(formProblems(refused.error?.issues ?? [])).toMatch(/^code: must be at most 20 characters/);
    expect(formProblems(refused.error?.issues ?? [])).not.toContain('6 digits');
  });
});
