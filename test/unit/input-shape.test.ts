// The journey's own check of the input it was started with (src/domain/input-shape.ts): what numberflow's edges make
// passes, older inputs without the fields added since pass, and each wrong field is named without its value.
import { describe, expect, it } from 'vitest';
import { inputToEndWith, journeyInputProblems, numberOfWorkflowId } from '../../src/domain/input-shape.js';
import { journeyInput } from '../support/journeys.js';

const made = journeyInput({ phoneNumber: '+14155552671' });

describe("the journey's check of its input", () => {
  it('takes what the edges make, and an older input without the optional fields', () => {
    expect(journeyInputProblems(made, '+14155552671')).toEqual([]);
    const { wabaId, portfolioId, phoneNumber, displayName, signupAt } = made;
    expect(journeyInputProblems({ wabaId, portfolioId, phoneNumber, displayName, signupAt }, '+14155552671')).toEqual(
      [],
    );
    expect(journeyInputProblems(made, null)).toEqual([]); // a workflow id that names no number
  });

  it('names each wrong field, never its value', () => {
    const secret = '123456';
    const problems = journeyInputProblems(
      { ...made, signupAt: '1', codeMethod: secret, language: 'English', requestedBy: 7 }, // Date.parse takes '1'
      '+14155552671',
    );
    expect(problems).toEqual([
      'signupAt: must be a date and time (ISO 8601)',
      'codeMethod: must be one of SMS, VOICE',
      'language: must be a locale such as en_US',
      'requestedBy: must be text of at most 200 characters',
    ]);
    expect(problems.join(' ')).not.toContain(secret);
    expect(journeyInputProblems(made, '+14155552672')).toEqual([
      'phoneNumber: must be an object with e164 ("+14155552672", as the workflow id), countryCallingCode and nationalNumber (digits in quotes)',
    ]);
    expect(journeyInputProblems([made], '+14155552671')).toEqual(['its input must be a JSON object, got an array']);
  });

  it('holds an input to end with: what passed as given, the rest harmless', () => {
    const held = inputToEndWith({ wabaId: 5, portfolioId: '200', displayName: 'Acme' }, '+14155552671', 'T');
    expect(held).toMatchObject({
      wabaId: '',
      portfolioId: '200',
      displayName: 'Acme',
      signupAt: 'T',
      signupWindow: false,
      phoneNumber: { e164: '+14155552671' },
    });
  });

  it('reads the number of a journey workflow id only', () => {
    expect(numberOfWorkflowId('number:+14155552671')).toBe('+14155552671');
    expect(numberOfWorkflowId('portfolio:1')).toBeNull();
    expect(numberOfWorkflowId('number:4155552671')).toBeNull();
  });
});
