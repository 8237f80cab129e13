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

  it("gives beside it the hash an earlier version kept, whose default was SMS for any line but an IVR's", () => {
    const sms = hashes({ codeMethod: 'SMS' });
    expect(sms.requestHashAsBefore).toBe(hashes({}).requestHash);
    expect(hashes({}).requestHashAsBefore).toBeUndefined();
    expect(hashes({ codeMethod: 'VOICE', ivr: true }).requestHashAsBefore).toBeUndefined();
  });
});
