import { describe, expect, it } from 'vitest';
import { JourneyInputError, parseJourneyRequest } from '../../src/domain/journey-input.js';

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

  it.each([
    ['4155552671', 'is not in international form'],
    ['+1 555 078 3881', 'is not a valid number for country calling code +1'],
    ['+12', 'is not a phone number'],
    ['+44 hello', 'is not a phone number'],
  ])('refuses the phone number %s with a clear message', (phoneNumber, message) => {
    const [problem] = problemsOf({ ...valid, phoneNumber });
    expect(problem).toContain('phoneNumber:');
    expect(problem).toContain(message);
  });

  it('names every bad field', () => {
    const problems = problemsOf({ wabaId: 'abc', phoneNumber: '', displayName: 'A', codeMethod: 'FAX', extra: 1 });
    expect(problems).toEqual(
      expect.arrayContaining([
        'wabaId: must be a numeric Graph id',
        'portfolioId: Invalid input: expected string, received undefined',
        'phoneNumber: is required',
        'displayName: must be at least 3 characters',
        expect.stringMatching(/^codeMethod: /),
        expect.stringMatching(/^request: Unrecognized key: "extra"/),
      ]),
    );
  });

  it('refuses a signup time in the future', () => {
    const now = new Date('2026-11-01T10:00:00Z');
    expect(() => parseJourneyRequest({ ...valid, signupAt: '2026-11-02T10:00:00Z' }, now)).toThrow(
      'signupAt: is in the future',
    );
  });
});
