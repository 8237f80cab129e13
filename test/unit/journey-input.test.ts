import { describe, expect, it } from 'vitest';
import { JourneyInputError, parseJourneyRequest, refuseClosedSignupWindow } from '../../src/domain/journey-input.js';

const valid = {
  wabaId: '102290129340398',
  portfolioId: '506914307656634',
  phoneNumber: '+1 (415) 555-2671',
  displayName: 'Acme Support',
};

function problemsOf(raw: unknown): string[] {
  try {
    parseJourneyRequest(raw);
  } catch (err) {
    if (err instanceof JourneyInputError) return err.problems;
    throw err;
  }
  throw new Error('expected the request to be refused');
}

describe('a journey request', () => {
  it('normalises the number to E.164 and fills the defaults', () => {
    const now = new Date('2026-11-01T10:00:00Z');
    const input = parseJourneyRequest(valid, now);
    expect(input.phoneNumber).toEqual({ e164: '+14155552671', countryCallingCode: '1', nationalNumber: '4155552671' });
    expect(input).toMatchObject({ path: 'cloud_api', codeMethod: 'SMS', ivr: false, pinPolicy: 'generate' });
    expect(input.signupAt).toBe('2026-11-01T10:00:00.000Z');
  });

  it('sends the code by voice to a number behind an IVR', () => {
    expect(parseJourneyRequest({ ...valid, ivr: true }).codeMethod).toBe('VOICE');
    expect(problemsOf({ ...valid, ivr: true, codeMethod: 'SMS' })).toEqual([
      'codeMethod: an IVR number cannot receive the code by SMS; use VOICE',
    ]);
  });

  it('sends the code by voice to a line that receives no SMS, unless the caller chose SMS', () => {
    const method = (phoneNumber: string, codeMethod?: 'SMS' | 'VOICE') =>
      parseJourneyRequest({ ...valid, phoneNumber, ...(codeMethod ? { codeMethod } : {}) }).codeMethod;
    // Landlines (London, Berlin, São Paulo), toll-free, UK universal access, Australian shared cost.
    for (const line of [
      '+44 20 7946 0000',
      '+49 30 1234567',
      '+55 11 3000 0000',
      '+1 800 555 0199',
      '+44 300 123 4567',
      '+61 1300 123 456',
    ]) {
      expect(method(line)).toBe('VOICE');
      expect(method(line, 'SMS')).toBe('SMS');
    }
    // Mobiles, and a US number, which may be either.
    for (const mobile of ['+49 151 12345678', '+55 11 98765 4321', '+1 415 555 2671'])
      expect(method(mobile)).toBe('SMS');
  });

  it.each([
    ['4155552671', 'is not in international form'],
    ['+1 415 078 3881', 'is not a valid number for country calling code +1'],
    ['+12', 'is not a phone number'],
    ['+44 hello', 'is not a phone number'],
    ['+14155552681 ext. 5', 'has an extension (5); a WhatsApp number is a line of its own: give it without one'],
    // Read out of a longer text by the library, and started as the number alone.
    ['+14155556119abc', '"+14155556119abc" holds more than a phone number ("abc"): give the number alone, in digits'],
    ['+1 415 555 2764 (mobile)', 'holds more than a phone number ("mobile")'],
    ['+14155552701;x', 'holds more than a phone number (";x")'],
    [`+1415555${'9'.repeat(100_000)}`, `"+1415555${'9'.repeat(32)}…" is not a phone number`],
  ])('refuses the phone number %s with a clear message', (phoneNumber, message) => {
    const [problem] = problemsOf({ ...valid, phoneNumber });
    expect(problem).toContain('phoneNumber:');
    expect(problem).toContain(message);
  });

  it('takes a number written with the dashes and brackets editors put in (an en dash, full-width brackets)', () => {
    for (const written of ['+44 20 7946\u20130958', '+44 \uFF0820\uFF09 7946 0958', '+1\u00a0415\u00ad555\u20112671']) {
      expect(parseJourneyRequest({ ...valid, phoneNumber: written }).phoneNumber.e164).toMatch(/^\+(4420|1415)/);
    }
  });

  it('takes the country code in brackets, a full-width plus and tabs between groups', () => {
    for (const written of ['(+1) 415 555 2671', '\uFF0B1 415 555 2671', '+1\t415\t555\t2671', '（+1）4155552671']) {
      expect(parseJourneyRequest({ ...valid, phoneNumber: written }).phoneNumber.e164, written).toBe('+14155552671');
    }
  });

  it("takes a number wrapped in a copy's invisible marks, and shows them in a refusal instead of hiding them", () => {
    // A phone's contact copied: direction marks around it, a zero-width space, a word joiner, a BOM.
    for (const copied of [
      '\u202d+1 (415) 555\u20112671\u202c',
      '\u200b+14155552671',
      '+1415\u2060555\u200b2671\ufeff',
    ]) {
      expect(parseJourneyRequest({ ...valid, phoneNumber: copied }).phoneNumber.e164).toBe('+14155552671');
    }
    // A direction control inside the digits reorders what is shown (+1 820 958 7863 for +1 368 785 9028): refused.
    expect(problemsOf({ ...valid, phoneNumber: '+1 \u202e3687 859 028\u202c' })).toEqual([
      'phoneNumber: "+1 \\u202e3687 859 028\\u202c" is not a phone number (not a number)',
    ]);
    expect(problemsOf({ ...valid, phoneNumber: '\u200b4155552671\u202e' })).toEqual([
      'phoneNumber: "\\u200b4155552671\\u202e" is not in international form: start with + and the country calling code, e.g. +14155552671',
    ]);
  });

  it('names every bad field', () => {
    const problems = problemsOf({ wabaId: 'abc', phoneNumber: '', displayName: 'A', codeMethod: 'FAX', extra: 1 });
    expect(problems).toEqual(
      expect.arrayContaining([
        'wabaId: must be a numeric Graph id',
        'portfolioId: is required',
        'phoneNumber: is required',
        'displayName: must be at least 3 characters',
        expect.stringMatching(/^codeMethod: /),
        'extra: is not a field of this request', // named as the HTTP service names one
      ]),
    );
  });

  it('checks the display name by the same rule as the name update, and sends it normalised', () => {
    expect(problemsOf({ ...valid, displayName: 'www.acme.example' })).toEqual([
      'displayName: may not contain a URL or web address ("www.")',
    ]);
    expect(problemsOf({ ...valid, displayName: 'Acme\u001b[2J Support' })).toEqual([
      'displayName: contains a control character (U+001B)',
    ]);
    expect(parseJourneyRequest({ ...valid, displayName: '  Acme \u00a0 Support ' }).displayName).toBe('Acme Support');
  });

  it("adopts one of Meta's test numbers (+1 555 …) by its phone_number_id", () => {
    const input = parseJourneyRequest({ ...valid, phoneNumber: '+1 555 078 3881', phoneNumberId: '106540352242922' });
    expect(input.phoneNumber).toEqual({ e164: '+15550783881', countryCallingCode: '1', nationalNumber: '5550783881' });
    expect(problemsOf({ ...valid, phoneNumber: '+15550783881' })).toEqual([
      expect.stringMatching(
        /^phoneNumber: "\+15550783881" is one of Meta's test numbers .*adopted by their phone_number_id/,
      ),
    ]);
    // Any other invalid number stays refused, with or without a phone_number_id.
    expect(problemsOf({ ...valid, phoneNumber: '+1 415 078 3881', phoneNumberId: '106540352242922' })).toEqual([
      'phoneNumber: "+1 415 078 3881" is not a valid number for country calling code +1',
    ]);
    expect(problemsOf({ ...valid, phoneNumber: '+1 555 078 388', phoneNumberId: '106540352242922' })).toHaveLength(1);
  });

  it('refuses a signup time in the future, or one whose 14-day window has closed for a number to add', () => {
    const now = new Date('2026-11-01T10:00:00Z');
    expect(() => parseJourneyRequest({ ...valid, signupAt: '2026-11-02T10:00:00Z' }, now)).toThrow(
      "signupAt: is in the future (this server's clock reads 2026-11-01T10:00:00.000Z)",
    );
    // A caller's clock ahead by less than two minutes is not a future signup.
    expect(parseJourneyRequest({ ...valid, signupAt: '2026-11-01T10:01:50Z' }, now).signupAt).toBe(
      '2026-11-01T10:01:50.000Z',
    );
    // A number numberflow would add, signed up more than 14 days ago: the window has closed, no journey to start
    // (checked where one is started: the same request again still finds the journey it started).
    const late = parseJourneyRequest({ ...valid, signupAt: '2026-10-18T09:50:00Z' }, now);
    expect(() => refuseClosedSignupWindow(late, now)).toThrow(
      "signupAt: the 14-day Embedded Signup window closed at 2026-11-01T09:50:00.000Z (this server's clock reads 2026-11-01T10:00:00.000Z); run Embedded Signup again",
    );
    // Within two minutes of its end, this server's clock cannot tell: the journey's timer decides, by Temporal's.
    const edge = parseJourneyRequest({ ...valid, signupAt: '2026-10-18T09:59:00Z' }, now);
    expect(() => refuseClosedSignupWindow(edge, now)).not.toThrow();
    // An adopted number may be registered already: the journey asks Meta.
    const adopted = parseJourneyRequest(
      { ...valid, signupAt: '2026-10-18T10:00:00Z', phoneNumberId: '1234567890' },
      now,
    );
    expect(() => refuseClosedSignupWindow(adopted, now)).not.toThrow();
  });
});
