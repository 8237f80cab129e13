// Permanent Graph errors (the permanent class, docs/meta-graph-api.md#error-classes), each from the sandbox's real rules rather than injected:
// a person must fix the code, the PIN, the id, the token or the account before the call can succeed.
import { expect } from 'vitest';
import { staticTokenProvider } from '../../src/graph/index.js';
import { describeContract, failure } from './contract.js';
import { expectGraphError } from './errors.js';
import { REGISTER_PIN } from './sandbox-controls.js';
import { readNumber, sandboxOf } from './targets.js';

const REGISTER = 'POST /{phone-number-id}/register';
/** A numeric id no WABA of the target's holds. */
const UNKNOWN_ID = '100000000000001';

/** Another code than the one the phone received: each digit moved by one. */
function wrongCodeFor(code: string): string {
  return code.replace(/\d/g, (digit) => String((Number(digit) + 1) % 10));
}

describeContract('permanent errors', (test) => {
  test('refuses a code other than the one sent (136025)', ['own-numbers', 'otp-outbox'], async (t) => {
    const { addNumber, sendCode } = sandboxOf(t);
    const number = await addNumber();
    const wrong = wrongCodeFor(await sendCode(number));
    t.secrets.add(wrong);
    const err = await failure(t, t.client.verifyCode(number, wrong));
    expectGraphError(err, {
      code: 136025,
      httpStatus: 400,
      errorClass: 'permanent',
      endpoint: 'POST /{phone-number-id}/verify_code',
    });
  });

  test(
    'refuses a sixth code request within the hour (136024), and sends one again an hour later',
    ['own-numbers', 'clock'],
    async (t) => {
      // ⚠ docs/sandbox-assumptions.md#code-requests: Meta documents no request_code limit; the sandbox's is 5 an hour, answered with 136024.
      const { addNumber, admin } = sandboxOf(t);
      const number = await addNumber();
      const ask = () => t.client.requestCode(number, { codeMethod: 'SMS', language: 'en_US' });
      for (let i = 0; i < 5; i++) await ask();
      const err = await failure(t, ask());
      expectGraphError(err, {
        code: 136024,
        httpStatus: 400,
        errorClass: 'permanent',
        endpoint: 'POST /{phone-number-id}/request_code',
      });
      admin.advanceClock(60 * 60_000);
      await ask();
    },
  );

  test('refuses to register a number that has not been verified (133006)', ['own-numbers'], async (t) => {
    const number = await sandboxOf(t).addNumber();
    const err = await failure(t, t.client.register(number, { pin: REGISTER_PIN }));
    expectGraphError(err, { code: 133006, httpStatus: 400, errorClass: 'permanent', endpoint: REGISTER });
  });

  test(
    'asks for the old PIN when the line already has two-step verification on (133005)',
    ['own-numbers', 'otp-outbox', 'meta-side'],
    async (t) => {
      const { admin, freshE164, addNumber, verify } = sandboxOf(t);
      const e164 = freshE164();
      const oldPin = '905127';
      t.secrets.add(oldPin);
      admin.presetTwoStepPin(e164, oldPin);
      const number = await addNumber({ e164 });
      await verify(number);
      const err = await failure(t, t.client.register(number, { pin: REGISTER_PIN }));
      expectGraphError(err, { code: 133005, httpStatus: 400, errorClass: 'permanent', endpoint: REGISTER });
      await t.client.register(number, { pin: oldPin });
    },
  );

  test('answers an unknown phone number id with 100, subcode 33', [], async (t) => {
    const err = await failure(t, t.client.getPhoneNumber({ wabaId: t.wabaId, phoneNumberId: UNKNOWN_ID }, ['status']));
    const graphError = expectGraphError(err, {
      code: 100,
      subcode: 33,
      httpStatus: 400,
      errorClass: 'permanent',
      endpoint: 'GET /{phone-number-id}',
    });
    expect(graphError.type).toBe('GraphMethodException');
  });

  test('answers an unknown WABA id with 100, subcode 33', [], async (t) => {
    const err = await failure(t, t.client.listPhoneNumbers(UNKNOWN_ID));
    expectGraphError(err, {
      code: 100,
      subcode: 33,
      httpStatus: 400,
      errorClass: 'permanent',
      endpoint: 'GET /{waba-id}/phone_numbers',
    });
  });

  test('refuses a token Meta never issued (190)', [], async (t) => {
    const badToken = 'EAAGbadTokenNeverIssued4f2a9c';
    t.secrets.add(badToken);
    const client = t.clientWith({ tokens: staticTokenProvider(badToken) });
    const err = await failure(t, client.getPhoneNumber(readNumber(t), ['status']));
    expectGraphError(err, { code: 190, httpStatus: 401, errorClass: 'permanent', endpoint: 'GET /{phone-number-id}' });
  });

  test('refuses a token that was not granted the WABA (200)', ['meta-side'], async (t) => {
    const other = sandboxOf(t).account();
    const err = await failure(t, other.client.listPhoneNumbers(t.wabaId));
    expectGraphError(err, {
      code: 200,
      httpStatus: 403,
      errorClass: 'permanent',
      endpoint: 'GET /{waba-id}/phone_numbers',
    });
  });

  test("refuses to add a number beyond the portfolio's cap (200000)", ['own-numbers'], async (t) => {
    const { account, addNumber, admin } = sandboxOf(t);
    const full = account({ maxPhoneNumbers: 1 });
    const registered = await addNumber({ account: full });
    await full.client.requestCode(registered, { codeMethod: 'SMS', language: 'en_US' });
    await full.client.verifyCode(registered, admin.latestCode(registered.phoneNumberId) as string);
    await full.client.register(registered, { pin: REGISTER_PIN });
    const err = await failure(t, addNumber({ account: full }));
    expectGraphError(err, {
      code: 200000,
      httpStatus: 400,
      errorClass: 'permanent',
      endpoint: 'POST /{waba-id}/phone_numbers',
    });
  });
});
