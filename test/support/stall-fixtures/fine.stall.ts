import { expect, it } from 'vitest';

it('passes unless FAIL_TOO is set', () => expect(process.env.FAIL_TOO).toBeUndefined());
