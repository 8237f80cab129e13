// What operators send by hand (the Temporal CLI's JSON) is refused naming the problem: a number where text is
// expected, control characters in a note that terminals and exports print, a number event of another shape.
import { describe, expect, it } from 'vitest';
import { numberEventDateProblem, numberEventProblem } from '../../src/domain/events.js';
import { checkConfirmation, checkNewConfirmation } from '../../src/domain/identity.js';
import { asciiDigits, checkPin, normaliseOtp, visibleControls } from '../../src/domain/operator-input.js';

describe('checks of what operators send', () => {
  it('says a code or PIN sent as a number must be text, and an absent one is empty', () => {
    expect(() => normaliseOtp(123456)).toThrow(
      'the code must be text (6 digits in quotes, e.g. "123830"), not a number',
    );
    expect(() => normaliseOtp(undefined)).toThrow('the code is empty');
    expect(normaliseOtp(' 123-830 ')).toBe('123830');
    expect(() => checkPin(135790)).toThrow('the PIN must be text (6 digits in quotes, e.g. "135790"), not a number');
    expect(() => checkPin(null)).toThrow('the PIN is empty');
  });

  it('reads the decimal digits of every script as ASCII, and the code they write as any other', () => {
    const scripts = ['١٢٣٨٣٠', '۱۲۳۸۳۰', '१२३८३०', '১২৩৮৩০', '１２３８３０', '𝟏𝟐𝟑𝟖𝟑𝟎', '𝟷𝟸𝟹𝟾𝟹𝟶', '๑๒๓๘๓๐'];
    for (const written of scripts) expect(normaliseOtp(asciiDigits(written)), written).toBe('123830');
    expect(asciiDigits('١٢٣-٨٣٠')).toBe('123-830');
    expect(asciiDigits('𝟎𝟗𝟘𝟡𝟢𝟫𝟬𝟵𝟶𝟿')).toBe('0909090909'); // five runs of ten back to back
    expect(asciiDigits('12a ²')).toBe('12a ²'); // a superscript is no decimal digit: left for the check to refuse
  });

  it("refuses control characters in a new identity confirmation's note; the handler takes one recorded before", () => {
    const confirmation = { actor: 'ops@acme', method: 'video_call' as const };
    expect(() => checkNewConfirmation({ ...confirmation, note: 'a\u001b[31mb' })).toThrow(
      'the note must be one line of text, without control characters (line breaks, escapes)',
    );
    // Half of a character written in two (a surrogate without its pair), but not a whole one written so (an emoji).
    expect(() => checkNewConfirmation({ ...confirmation, note: 'lone \ud800 half' })).toThrow('one line of text');
    expect(() => checkNewConfirmation({ ...confirmation, note: 'verified 👍' })).not.toThrow();
    expect(visibleControls('lone \ud800 half')).toBe('lone \\ud800 half');
    // Validators never replay, handlers do: a note with a line break, taken before, still replays.
    expect(checkConfirmation({ ...confirmation, note: 'called back\nverified' }).note).toBe('called back\nverified');
    expect(checkConfirmation({ ...confirmation, note: ' checked the passport ' }).note).toBe('checked the passport');
  });

  it('names the first problem of a number event of another shape, and passes the shapes the receiver sends', () => {
    expect(numberEventProblem({})).toBe(
      'kind must be one of quality, name, status, partner_removed, restriction, paid_message, account, got none',
    );
    expect(numberEventProblem({ kind: 'name', decision: 'APPROVED', requestedName: 'Acme', at: 'x' })).toBe(
      'rejectionReason: must be a string or null in a name event',
    );
    expect(numberEventProblem(null)).toBe('not an object');
    const name = { kind: 'name', decision: 'APPROVED', requestedName: 'Acme', rejectionReason: null, at: 'x' };
    expect(numberEventProblem({ ...name, undated: true })).toBeNull();
    expect(numberEventProblem({ ...name, undated: 'yes' })).toBeNull(); // taken as dated, as workers before took it
    const account = { kind: 'account', event: 'DISABLED_UPDATE', at: 'x' };
    expect(numberEventProblem({ ...account, banState: 'DISABLE' })).toBeNull();
    expect(numberEventProblem(account)).toBeNull(); // from a receiver before the field
    expect(numberEventProblem({ ...account, banState: 7 })).toBe(
      'banState: must be a string, null or absent in a account event',
    );
    expect(numberEventDateProblem({ kind: 'paid_message', at: 'yesterday' })).toBe(
      'at: must be a date in a paid_message event',
    );
    expect(numberEventDateProblem({ kind: 'paid_message', at: '2026-12-04T10:00:00Z' })).toBeNull();
    expect(numberEventProblem({ kind: 'paid_message', at: '2026-12-04T10:00:00Z' })).toBeNull();
    expect(
      numberEventProblem({ kind: 'quality', event: 'ONBOARDING', currentLimit: null, at: '2026-12-04T10:00:00Z' }),
    ).toBeNull();
  });
});
