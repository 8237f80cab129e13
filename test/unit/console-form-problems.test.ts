// A console form's problems name their field, unless the words already do.
import { describe, expect, it } from 'vitest';
import { formProblems } from '../../src/http/console/routes/journey.js';

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
});
