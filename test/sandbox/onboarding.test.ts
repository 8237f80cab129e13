import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../src/sandbox/clock.js';
import {
  type TestSandbox,
  type WebhookReceiver,
  metaError,
  startTestSandbox,
  useSandboxWithReceiver,
} from './support.js';

let t: TestSandbox;
let receiver: WebhookReceiver;

useSandboxWithReceiver({}, (started) => ({ t, receiver } = started));

async function fieldsOf(id: string, fields: string): Promise<Record<string, unknown>> {
  const answer = await t.graph('GET', `/${id}`, { query: { fields } });
  expect(answer.status).toBe(200);
  return answer.body;
}

describe('adding a number', () => {
  it('adds a number as PENDING and NOT_VERIFIED with its display name in review', async () => {
    const id = await t.addNumber('4155552671', 'Acme Support');
    const number = await fieldsOf(
      id,
      'status,code_verification_status,name_status,verified_name,display_phone_number,platform_type,is_pin_enabled,is_on_biz_app,last_onboarded_time',
    );
    expect(number).toMatchObject({
      id,
      status: 'PENDING',
      code_verification_status: 'NOT_VERIFIED',
      name_status: 'PENDING_REVIEW',
      verified_name: 'Acme Support',
      display_phone_number: '+1 415-555-2671',
      platform_type: 'NOT_APPLICABLE',
      is_pin_enabled: false,
      is_on_biz_app: false,
    });
    expect(number.last_onboarded_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
  });

  it('echoes the id after the requested fields and answers the default fields without fields=', async () => {
    const id = await t.addNumber('4155552671');
    const status = await t.graph('GET', `/${id}`, { query: { fields: 'status' } });
    expect(status.raw).toBe(`{"status":"PENDING","id":"${id}"}`);
    const defaults = await t.graph('GET', `/${id}`);
    expect(Object.keys(defaults.body).sort()).toEqual(
      ['code_verification_status', 'display_phone_number', 'id', 'quality_rating', 'verified_name'].sort(),
    );
  });

  it('takes phone_number with or without the country calling code, as form fields too', async () => {
    const answer = await t.graph('POST', `/${t.wabaId}/phone_numbers`, {
      form: { cc: '1', phone_number: '+1 (415) 555-2672', verified_name: 'Acme' },
    });
    expect(answer.status).toBe(200);
    expect(await fieldsOf(String(answer.body.id), 'display_phone_number')).toMatchObject({
      display_phone_number: '+1 415-555-2672',
    });
  });

  it('refuses a third number on a new portfolio with 200000 and takes it after raiseCap sends business_capability_update', async () => {
    for (const line of ['4155552671', '4155552672']) {
      const id = await t.addNumber(line);
      await t.verifyNumber(id);
      expect((await t.register(id)).status).toBe(200);
    }
    const third = await t.graph('POST', `/${t.wabaId}/phone_numbers`, {
      json: { cc: '1', phone_number: '4155552673', verified_name: 'Acme' },
    });
    expect(third.status).toBe(400);
    expect(metaError(third)).toMatchObject({
      code: 200000,
      type: 'OAuthException',
      message: '(#200000) Cannot add phone number to WhatsApp Business Account',
      error_data: { messaging_product: 'whatsapp', details: expect.stringContaining('limit of 2') },
    });

    t.sandbox.admin.raiseCap(t.portfolioId, 20);
    await t.sandbox.admin.flushWebhooks();
    const capability = receiver.received.filter(
      (w) => w.payload.entry[0]?.changes[0]?.field === 'business_capability_update',
    );
    const raised = capability.at(-1);
    expect(raised?.signatureValid).toBe(true);
    expect(raised?.payload.entry[0]).toMatchObject({
      id: t.wabaId,
      time: expect.any(Number),
      changes: [{ field: 'business_capability_update', value: { max_phone_numbers_per_business: 20 } }],
    });
    expect(await t.addNumber('4155552673')).toMatch(/^\d+$/);
  });

  it('counts only registered numbers toward the cap: added, unregistered numbers take no slot', async () => {
    await t.addNumber('4155552671');
    await t.addNumber('4155552672');
    expect(await t.addNumber('4155552673')).toMatch(/^\d+$/);
  });

  it('refuses a number already on another WABA with 200000 saying it is registered elsewhere', async () => {
    await t.addNumber('4155552671');
    const { portfolioId } = t.sandbox.admin.createPortfolio();
    const { wabaId } = t.sandbox.admin.createWaba({ portfolioId });
    const token = t.sandbox.admin.issueToken({ wabaIds: [wabaId] });
    const answer = await t.graph('POST', `/${wabaId}/phone_numbers`, {
      token,
      json: { cc: '1', phone_number: '4155552671', verified_name: 'Other' },
    });
    expect(metaError(answer)).toMatchObject({ code: 200000 });
    expect(metaError(answer).error_data?.details).toMatch(/registered on another WhatsApp Business Account/);
  });

  it('requires cc, phone_number and verified_name, naming the missing one', async () => {
    const answer = await t.graph('POST', `/${t.wabaId}/phone_numbers`, {
      json: { cc: '1', phone_number: '4155552671' },
    });
    expect(answer.status).toBe(400);
    expect(metaError(answer)).toMatchObject({
      code: 100,
      message: '(#100) Invalid parameter',
      error_data: { details: 'The parameter verified_name is required' },
    });
  });
});

describe('request_code and verify_code', () => {
  it('sends a 6-digit code by SMS to the outbox and verify_code makes the number VERIFIED', async () => {
    const id = await t.addNumber('4155552671');
    const sent = await t.graph('POST', `/${id}/request_code`, { query: { code_method: 'SMS', language: 'en_US' } });
    expect(sent.body).toEqual({ success: true });
    const [entry] = t.sandbox.admin.outbox({ phoneNumberId: id });
    expect(entry).toMatchObject({ phoneNumberId: id, e164: '+14155552671', method: 'SMS', delivered: true });
    expect(entry?.code).toMatch(/^\d{6}$/);
    const verified = await t.graph('POST', `/${id}/verify_code`, { form: { code: entry?.code ?? '' } });
    expect(verified.body).toEqual({ success: true });
    expect(await fieldsOf(id, 'code_verification_status,status')).toMatchObject({
      code_verification_status: 'VERIFIED',
      status: 'PENDING',
    });
  });

  it('reaches a number behind an IVR by VOICE but records an SMS to it as not delivered', async () => {
    t.sandbox.admin.markIvr('+14155552671');
    const id = await t.addNumber('4155552671');
    await t.graph('POST', `/${id}/request_code`, { json: { code_method: 'SMS', language: 'en_US' } });
    expect(t.sandbox.admin.outbox({ phoneNumberId: id }).at(-1)).toMatchObject({ method: 'SMS', delivered: false });
    expect(t.sandbox.admin.latestCode(id)).toBeUndefined();
    await t.graph('POST', `/${id}/request_code`, { json: { code_method: 'VOICE', language: 'en_US' } });
    expect(t.sandbox.admin.outbox({ phoneNumberId: id }).at(-1)).toMatchObject({ method: 'VOICE', delivered: true });
    const code = t.sandbox.admin.latestCode(id);
    expect((await t.graph('POST', `/${id}/verify_code`, { json: { code } })).status).toBe(200);
  });

  it('refuses a wrong code with 136025 and leaves the number NOT_VERIFIED', async () => {
    const id = await t.addNumber('4155552671');
    await t.graph('POST', `/${id}/request_code`, { query: { code_method: 'SMS', language: 'en_US' } });
    const wrong = t.sandbox.admin.latestCode(id) === '000000' ? '111111' : '000000';
    const answer = await t.graph('POST', `/${id}/verify_code`, { query: { code: wrong } });
    expect(answer.status).toBe(400);
    expect(metaError(answer)).toMatchObject({
      code: 136025,
      message: '(#136025) Verify code error',
      error_data: { details: 'code mismatch' },
    });
    expect(await fieldsOf(id, 'code_verification_status')).toMatchObject({ code_verification_status: 'NOT_VERIFIED' });
  });

  it('refuses a code used after otpTtlMs of sandbox time with 136025 "code expired"', async () => {
    t = await startTestSandbox({ otpTtlMs: 5 * MINUTE });
    const id = await t.addNumber('4155552671');
    await t.graph('POST', `/${id}/request_code`, { query: { code_method: 'SMS', language: 'en' } });
    const code = t.sandbox.admin.latestCode(id) ?? '';
    t.sandbox.admin.advanceClock(5 * MINUTE);
    const answer = await t.graph('POST', `/${id}/verify_code`, { query: { code } });
    expect(metaError(answer).code).toBe(136025);
    expect(metaError(answer).error_data?.details).toMatch(/^code expired/);
  });

  it('replaces the code in flight when a new one is requested', async () => {
    const id = await t.addNumber('4155552671');
    const ask = () => t.graph('POST', `/${id}/request_code`, { query: { code_method: 'SMS', language: 'en_US' } });
    await ask();
    const first = t.sandbox.admin.latestCode(id);
    await ask();
    const last = t.sandbox.admin.latestCode(id) ?? '';
    expect(first).not.toBe(last); // seeded: the same two codes every run
    expect(metaError(await t.graph('POST', `/${id}/verify_code`, { query: { code: first ?? '' } })).code).toBe(136025);
    expect((await t.graph('POST', `/${id}/verify_code`, { query: { code: last } })).status).toBe(200);
  });

  it('refuses a sixth code request within an hour with 136024 "too many requests" and allows it an hour later', async () => {
    const id = await t.addNumber('4155552671');
    const ask = () => t.graph('POST', `/${id}/request_code`, { query: { code_method: 'VOICE', language: 'en_US' } });
    for (let i = 0; i < 5; i++) expect((await ask()).status).toBe(200);
    const sixth = await ask();
    expect(metaError(sixth)).toMatchObject({ code: 136024, message: '(#136024) Request code error' });
    expect(metaError(sixth).error_data?.details).toMatch(/^too many requests/);
    t.sandbox.admin.advanceClock(HOUR);
    expect((await ask()).status).toBe(200);
  });

  it('reports VERIFIED as EXPIRED 14 days after verification', async () => {
    const id = await t.addNumber('4155552671');
    await t.verifyNumber(id);
    t.sandbox.admin.advanceClock(14 * DAY);
    expect(await fieldsOf(id, 'code_verification_status')).toMatchObject({ code_verification_status: 'EXPIRED' });
  });

  it('refuses a bad code_method and a missing language with 100 naming the parameter', async () => {
    const id = await t.addNumber('4155552671');
    const method = await t.graph('POST', `/${id}/request_code`, { query: { code_method: 'FAX', language: 'en_US' } });
    expect(metaError(method)).toMatchObject({ code: 100 });
    expect(metaError(method).error_data?.details).toMatch(/^Param code_method is invalid/);
    const language = await t.graph('POST', `/${id}/request_code`, { query: { code_method: 'SMS' } });
    expect(metaError(language).error_data?.details).toBe('The parameter language is required');
    expect(t.sandbox.admin.outbox()).toEqual([]);
  });
});

describe('register and deregister', () => {
  it('refuses to register a number whose code was never verified with 133006', async () => {
    const id = await t.addNumber('4155552671');
    const answer = await t.register(id);
    expect(answer.status).toBe(400);
    expect(metaError(answer)).toMatchObject({ code: 133006, message: '(#133006) Phone number re-verification needed' });
  });

  it('connects at once by default: CONNECTED, CLOUD_API, PIN enabled, and an ONBOARDING quality webhook', async () => {
    const id = await t.addNumber('4155552671');
    await t.verifyNumber(id);
    expect((await t.register(id)).body).toEqual({ success: true });
    expect(await fieldsOf(id, 'status,platform_type,is_pin_enabled,health_status')).toMatchObject({
      status: 'CONNECTED',
      platform_type: 'CLOUD_API',
      is_pin_enabled: true,
      health_status: { can_send_message: 'AVAILABLE' },
    });
    await t.sandbox.admin.flushWebhooks();
    expect(receiver.values('phone_number_quality_update')).toEqual([
      expect.objectContaining({ display_phone_number: '14155552671', event: 'ONBOARDING' }),
    ]);
  });

  it('stays PENDING until connectDelayMs of sandbox time passes, then turns CONNECTED and sends ONBOARDING', async () => {
    t = await startTestSandbox({ webhookUrl: receiver.url, connectDelayMs: 2 * MINUTE });
    const id = await t.addNumber('4155552671');
    await t.verifyNumber(id);
    await t.register(id);
    expect(await fieldsOf(id, 'status')).toMatchObject({ status: 'PENDING' });
    await t.sandbox.admin.flushWebhooks();
    expect(receiver.values('phone_number_quality_update')).toEqual([]);
    t.sandbox.admin.advanceClock(2 * MINUTE);
    expect(await fieldsOf(id, 'status')).toMatchObject({ status: 'CONNECTED' });
    await t.sandbox.admin.flushWebhooks();
    expect(receiver.values('phone_number_quality_update')).toMatchObject([{ event: 'ONBOARDING' }]);
  });

  it('refuses a PIN other than the two-step PIN already on the number with 133005, and takes the old one', async () => {
    t.sandbox.admin.presetTwoStepPin('+14155552671', '654321');
    const id = await t.addNumber('4155552671');
    await t.verifyNumber(id);
    expect(await fieldsOf(id, 'is_pin_enabled')).toMatchObject({ is_pin_enabled: true });
    const mismatch = await t.register(id, '123456');
    expect(metaError(mismatch)).toMatchObject({
      code: 133005,
      message: '(#133005) Two step verification PIN Mismatch',
    });
    expect((await t.register(id, '654321')).status).toBe(200);
  });

  it('changes the two-step PIN with POST /{id} {pin}', async () => {
    const id = await t.addNumber('4155552671');
    await t.verifyNumber(id);
    await t.register(id, '111111');
    expect((await t.graph('POST', `/${id}`, { json: { pin: '222222' } })).body).toEqual({ success: true });
    expect(metaError(await t.register(id, '111111')).code).toBe(133005);
    expect((await t.register(id, '222222')).status).toBe(200);
  });

  it('refuses a register beyond 10 calls in 72 hours with 133016 and lets it through after the window moves', async () => {
    const id = await t.addNumber('4155552671');
    await t.verifyNumber(id);
    for (let i = 0; i < 5; i++) {
      expect((await t.register(id)).status).toBe(200);
      expect((await t.graph('POST', `/${id}/deregister`)).status).toBe(200);
      t.sandbox.admin.advanceClock(HOUR);
    }
    const eleventh = await t.register(id);
    expect(metaError(eleventh)).toMatchObject({
      code: 133016,
      message: '(#133016) Account register deregister rate limit exceeded',
    });
    // The first call leaves the moving window 72 h after it was made (the code stays VERIFIED for 14 days).
    t.sandbox.admin.advanceClock(72 * HOUR - 5 * HOUR);
    expect((await t.register(id)).status).toBe(200);
  });

  it('reports DISCONNECTED after deregister', async () => {
    const id = await t.addNumber('4155552671');
    await t.verifyNumber(id);
    await t.register(id);
    expect((await t.graph('POST', `/${id}/deregister`)).body).toEqual({ success: true });
    expect(await fieldsOf(id, 'status')).toMatchObject({ status: 'DISCONNECTED' });
  });

  it('accepts a data_localization_region from Meta list only, and shows it in settings', async () => {
    const id = await t.addNumber('4155552671');
    await t.verifyNumber(id);
    const bad = await t.graph('POST', `/${id}/register`, {
      json: { messaging_product: 'whatsapp', pin: '123456', data_localization_region: 'US' },
    });
    expect(metaError(bad).error_data?.details).toMatch(/^Param data_localization_region is invalid/);
    const good = await t.graph('POST', `/${id}/register`, {
      json: { messaging_product: 'whatsapp', pin: '123456', data_localization_region: 'DE' },
    });
    expect(good.status).toBe(200);
    const settings = await t.graph('GET', `/${id}/settings`);
    expect(settings.body).toMatchObject({
      storage_configuration: { status: 'IN_COUNTRY_STORAGE_ENABLED', data_localization_region: 'DE' },
    });
  });
});
