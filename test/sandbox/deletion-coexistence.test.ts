import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../src/sandbox/clock.js';
import { SandboxAdminError } from '../../src/sandbox/index.js';
import { type TestSandbox, type WebhookReceiver, metaError, useSandboxWithReceiver } from './support.js';

let t: TestSandbox;
let receiver: WebhookReceiver;

useSandboxWithReceiver({}, (started) => ({ t, receiver } = started));

describe('deleting a number in WhatsApp Manager', () => {
  it('refuses to delete a number within 30 days of a paid message and deletes it afterwards', async () => {
    const id = await t.addNumber('4155552671');
    t.sandbox.admin.recordPaidMessage(id);
    t.sandbox.admin.advanceClock(29 * DAY);
    expect(() => t.sandbox.admin.deleteNumber(id)).toThrow(SandboxAdminError);
    expect(() => t.sandbox.admin.deleteNumber(id)).toThrow(/paid message in the last 30 days/);
    t.sandbox.admin.advanceClock(DAY);
    t.sandbox.admin.deleteNumber(id);
  });

  it('answers a deleted number with the exact 100/33 GraphMethodException body, GET and POST alike', async () => {
    const id = await t.addNumber('4155552671');
    t.sandbox.admin.deleteNumber(id);
    const get = await t.graph('GET', `/${id}`, { query: { fields: 'status' } });
    expect(get.status).toBe(400);
    expect(get.body).toEqual({
      error: {
        message:
          `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, ` +
          'or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api',
        type: 'GraphMethodException',
        code: 100,
        error_subcode: 33,
        fbtrace_id: get.headers['x-fb-trace-id'],
      },
    });
    const post = await t.graph('POST', `/${id}/request_code`, { query: { code_method: 'SMS', language: 'en_US' } });
    expect(metaError(post).message).toMatch(/^Unsupported post request\. Object with ID/);
    expect(metaError(post).error_subcode).toBe(33);
  });

  it('refuses to register a re-added number within 5 minutes of deletion with 133015, and then wants the old PIN', async () => {
    const first = await t.addNumber('4155552671');
    await t.verifyNumber(first);
    await t.register(first, '246810');
    t.sandbox.admin.deleteNumber(first);

    const again = await t.addNumber('4155552671');
    expect(again).not.toBe(first);
    await t.verifyNumber(again);
    const tooSoon = await t.register(again, '246810');
    expect(tooSoon.status).toBe(400);
    expect(metaError(tooSoon)).toMatchObject({
      code: 133015,
      message: '(#133015) Please wait a few minutes before attempting to register this phone number',
    });

    t.sandbox.admin.advanceClock(5 * MINUTE);
    expect(metaError(await t.register(again, '999999')).code).toBe(133005);
    expect((await t.register(again, '246810')).status).toBe(200);
  });

  it("frees the deleted number's slot in the portfolio cap", async () => {
    const first = await t.addNumber('4155552671');
    await t.addNumber('4155552672');
    t.sandbox.admin.deleteNumber(first);
    expect(await t.addNumber('4155552673')).toMatch(/^\d+$/);
  });
});

describe('coexistence (WhatsApp Business App numbers)', () => {
  async function link(): Promise<string> {
    return t.sandbox.admin.linkCoexistenceNumber({
      wabaId: t.wabaId,
      e164: '+14155550100',
      verifiedName: 'Corner Shop',
    }).phoneNumberId;
  }

  it('is CONNECTED on CLOUD_API with is_on_biz_app and needs no register', async () => {
    const id = await link();
    const answer = await t.graph('GET', `/${id}`, { query: { fields: 'is_on_biz_app,platform_type,status' } });
    expect(answer.body).toEqual({ is_on_biz_app: true, platform_type: 'CLOUD_API', status: 'CONNECTED', id });
  });

  it('refuses register and deregister with 100 and Meta message for SMB businesses', async () => {
    const id = await link();
    const register = await t.register(id);
    expect(metaError(register)).toMatchObject({
      code: 100,
      error_data: { details: 'Register endpoint is not available for API solution for SMB businesses.' },
    });
    const deregister = await t.graph('POST', `/${id}/deregister`);
    expect(metaError(deregister).error_data?.details).toBe(
      'Deregister endpoint is not available for API solution for SMB businesses.',
    );
    expect((await t.graph('GET', `/${id}`, { query: { fields: 'status' } })).body.status).toBe('CONNECTED');
  });

  it('runs each smb_app_data sync once, within 24 hours of onboarding', async () => {
    const id = await link();
    const sync = (syncType: string) =>
      t.graph('POST', `/${id}/smb_app_data`, { json: { messaging_product: 'whatsapp', sync_type: syncType } });
    const state = await sync('smb_app_state_sync');
    expect(state.body).toEqual({ messaging_product: 'whatsapp', request_id: expect.any(String) });
    expect(metaError(await sync('smb_app_state_sync')).error_data?.details).toMatch(/already ran/);
    t.sandbox.admin.advanceClock(24 * HOUR);
    expect(metaError(await sync('history')).error_data?.details).toMatch(/more than 24 hours/);
  });

  it('refuses smb_app_data on a Cloud API number', async () => {
    const id = await t.addNumber('4155552671');
    const answer = await t.graph('POST', `/${id}/smb_app_data`, {
      json: { messaging_product: 'whatsapp', sync_type: 'history' },
    });
    expect(metaError(answer)).toMatchObject({ code: 100 });
  });
});

describe('account_update', () => {
  it('sends ACCOUNT_RESTRICTION and then refuses to add numbers under RESTRICTED_ADD_PHONE_NUMBER_ACTION', async () => {
    t.sandbox.admin.restrictWaba(t.wabaId, 'RESTRICTED_ADD_PHONE_NUMBER_ACTION');
    await t.sandbox.admin.flushWebhooks();
    expect(receiver.values('account_update')).toMatchObject([
      {
        event: 'ACCOUNT_RESTRICTION',
        restriction_info: [{ restriction_type: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION', expiration: expect.any(Number) }],
      },
    ]);
    const add = await t.graph('POST', `/${t.wabaId}/phone_numbers`, {
      json: { cc: '1', phone_number: '4155552671', verified_name: 'Acme' },
    });
    expect(metaError(add).code).toBe(200000);
    // Lifted at the expiration its webhook gave, on the sandbox's clock.
    const [{ restriction_info }] = receiver.values('account_update') as [
      { restriction_info: [{ expiration: number }] },
    ];
    t.sandbox.admin.advanceClock(restriction_info[0].expiration * 1000 - t.sandbox.admin.now() - 1000);
    const stillRestricted = await t.graph('POST', `/${t.wabaId}/phone_numbers`, {
      json: { cc: '1', phone_number: '4155552671', verified_name: 'Acme' },
    });
    expect(metaError(stillRestricted).code).toBe(200000);
    t.sandbox.admin.advanceClock(2000);
    const lifted = await t.graph('POST', `/${t.wabaId}/phone_numbers`, {
      json: { cc: '1', phone_number: '4155552671', verified_name: 'Acme' },
    });
    expect(lifted.status).toBe(200);
  });

  it('sends PARTNER_REMOVED with disconnection_info, after which the token has no permission on the WABA', async () => {
    const id = await t.addNumber('4155552671');
    t.sandbox.admin.removePartner(t.wabaId, { reason: 'COMPANION_INACTIVITY', initiated_by: 'SYSTEM' });
    await t.sandbox.admin.flushWebhooks();
    expect(receiver.values('account_update')).toMatchObject([
      {
        event: 'PARTNER_REMOVED',
        waba_info: { waba_id: t.wabaId, owner_business_id: t.portfolioId },
        disconnection_info: { reason: 'COMPANION_INACTIVITY', initiated_by: 'SYSTEM' },
      },
    ]);
    const answer = await t.graph('GET', `/${id}`);
    expect(answer.status).toBe(403);
    expect(metaError(answer).code).toBe(200);
  });
});
