// The hash an Idempotency-Key keeps of a start: codeMethod's default is the request that leaves it out, and a key kept
// by an earlier version (whose default followed ivr alone) still finds its request.
import { describe, expect, it } from 'vitest';
import { journeyRequestSchema } from '../../src/domain/journey-input.js';
import { startRequestHashes } from '../../src/journeys/request-hash.js';

const LANDLINE = '+442079460000';
const hashes = (fields: Record<string, unknown>, e164 = LANDLINE) =>
  startRequestHashes(
    journeyRequestSchema.parse({
      wabaId: '102290129340398',
      portfolioId: '506914307656634',
      phoneNumber: e164,
      displayName: 'Acme Support',
      ...fields,
    }),
    e164,
    'onboarding@test',
  );

describe("a start's request hash", () => {
  it('takes the default written out as left out: VOICE for a line that receives no SMS, SMS for a mobile', () => {
    expect(hashes({ codeMethod: 'VOICE' }).requestHash).toBe(hashes({}).requestHash);
    expect(hashes({ codeMethod: 'SMS' }).requestHash).not.toBe(hashes({}).requestHash);
    const mobile = '+4915112345678';
    expect(hashes({ codeMethod: 'SMS' }, mobile)).toEqual(hashes({}, mobile)); // no hash as before: the same rule
  });

  it("gives beside it the hashes earlier versions kept, whose default was SMS for any line but an IVR's", () => {
    const sms = hashes({ codeMethod: 'SMS' });
    expect(sms.requestHashesBefore).toEqual([hashes({}).requestHash]);
    expect(hashes({}).requestHashesBefore).toBeUndefined();
    expect(hashes({ codeMethod: 'VOICE', ivr: true }).requestHashesBefore).toBeUndefined();
    // With signupAt written otherwise than as an instant too: the first versions' hash (as written) and the last's
    // (as an instant), both under the old default.
    const written = '2026-12-07T01:30:00+05:30';
    const both = hashes({ codeMethod: 'SMS', signupAt: written });
    expect(both.requestHashesBefore).toHaveLength(2);
    expect(both.requestHashesBefore).toContain(hashes({ signupAt: written }).asWritten);
    expect(both.requestHashesBefore).toContain(hashes({ signupAt: '2026-12-06T20:00:00Z' }).requestHash);
    expect(both.asWritten).toBe(hashes({ signupAt: written }).asWritten);
  });
});
