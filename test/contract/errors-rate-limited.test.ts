// Rate limits (the rate-limited class, docs/meta-graph-api.md#error-classes): the call may succeed later, and the error says when — from
// X-Business-Use-Case-Usage when Meta sends it (docs/meta-graph-api.md#rate-limit-headers), else from the error table. The clock moves; nothing sleeps.
import { request } from 'undici';
import { expect } from 'vitest';
import { parseBusinessUseCaseUsage } from '../../src/graph/index.js';
import { describeContract, failure } from './contract.js';
import { expectGraphError } from './errors.js';
import { REGISTER_PIN } from './sandbox-controls.js';
import { readNumber, sandboxOf, type ContractTarget } from './targets.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const REGISTER = 'POST /{phone-number-id}/register';

/** The minutes X-Business-Use-Case-Usage gives the WABA on a raw call (the client keeps only its result). */
async function regainMinutes(target: ContractTarget, path: string): Promise<number> {
  const { url } = sandboxOf(target);
  const answer = await request(`${url}/${target.client.apiVersion}${path}`, {
    headers: { authorization: `Bearer ${target.token}` },
  });
  await answer.body.dump();
  const usage = parseBusinessUseCaseUsage(answer.headers['x-business-use-case-usage']);
  const minutes = usage?.[target.wabaId]?.[0]?.estimated_time_to_regain_access;
  if (minutes === undefined) throw new Error(`no usage entry for WABA ${target.wabaId} on ${path}`);
  expect(minutes).toBeGreaterThan(0);
  return minutes;
}

describeContract('rate limits', (test) => {
  test(
    'blocks the 11th register or deregister call in 72 h (133016), and lets one through once the window moved',
    ['own-numbers', 'otp-outbox', 'clock'],
    async (t) => {
      const number = await sandboxOf(t).verifiedNumber();
      // Register and deregister share one budget of 10 per number.
      for (let i = 0; i < 5; i++) {
        await t.client.register(number, { pin: REGISTER_PIN });
        await t.client.deregister(number);
      }
      const err = await failure(t, t.client.register(number, { pin: REGISTER_PIN }));
      expectGraphError(err, {
        code: 133016,
        httpStatus: 400,
        errorClass: 'rate_limited',
        retryAfterMs: 72 * HOUR,
        endpoint: REGISTER,
      });
      sandboxOf(t).admin.advanceClock(72 * HOUR);
      await t.client.register(number, { pin: REGISTER_PIN });
    },
  );

  test(
    'asks to wait about 5 minutes before registering a number deleted moments ago (133015)',
    ['own-numbers', 'otp-outbox', 'meta-side', 'clock'],
    async (t) => {
      const { addNumber, admin, verify } = sandboxOf(t);
      const deleted = await addNumber();
      admin.deleteNumber(deleted.phoneNumberId);
      const readded = await addNumber({ e164: deleted.e164 });
      expect(readded.phoneNumberId).not.toBe(deleted.phoneNumberId);
      const err = await failure(t, t.client.register(readded, { pin: REGISTER_PIN }));
      expectGraphError(err, {
        code: 133015,
        httpStatus: 400,
        errorClass: 'rate_limited',
        retryAfterMs: 5 * MINUTE,
        endpoint: REGISTER,
      });
      admin.advanceClock(5 * MINUTE);
      await verify(readded);
      await t.client.register(readded, { pin: REGISTER_PIN });
    },
  );

  test("waits as long as X-Business-Use-Case-Usage says after the app's call limit (4)", ['faults'], async (t) => {
    const endpoint = 'GET /{waba-id}/phone_numbers';
    sandboxOf(t).admin.injectFault({ endpoint, kind: 'error', code: 4, times: 2 });
    const minutes = await regainMinutes(t, `/${t.wabaId}/phone_numbers`);
    const err = await failure(t, t.client.listPhoneNumbers(t.wabaId));
    expectGraphError(err, {
      code: 4,
      httpStatus: 400,
      errorClass: 'rate_limited',
      retryAfterMs: minutes * MINUTE,
      endpoint,
    });
  });

  test(
    "waits as long as X-Business-Use-Case-Usage says for the number's WABA after its call limit (80007)",
    ['faults'],
    async (t) => {
      const endpoint = 'GET /{phone-number-id}';
      const number = readNumber(t);
      sandboxOf(t).admin.injectFault({ endpoint, kind: 'error', code: 80007, times: 2 });
      const minutes = await regainMinutes(t, `/${number.phoneNumberId}`);
      const err = await failure(t, t.client.getPhoneNumber(number, ['status']));
      expectGraphError(err, {
        code: 80007,
        httpStatus: 400,
        errorClass: 'rate_limited',
        retryAfterMs: minutes * MINUTE,
        endpoint,
      });
    },
  );

  test("waits the error table's second after the throughput limit (130429)", ['faults'], async (t) => {
    const endpoint = 'GET /{phone-number-id}/settings';
    sandboxOf(t).admin.injectFault({ endpoint, kind: 'error', code: 130429 });
    const err = await failure(t, t.client.getSettings(readNumber(t)));
    expectGraphError(err, { code: 130429, httpStatus: 400, errorClass: 'rate_limited', retryAfterMs: 1_000, endpoint });
  });
});
