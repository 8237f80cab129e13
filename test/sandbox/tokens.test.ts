import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APP_ID, APP_SECRET, type TestSandbox, metaError, startTestSandbox } from './support.js';

let t: TestSandbox;

beforeEach(async () => {
  t = await startTestSandbox();
});
afterEach(async () => t.close());

function exchange(code: string, clientSecret = APP_SECRET) {
  return t.graph('GET', '/oauth/access_token', {
    token: null,
    query: { client_id: APP_ID, client_secret: clientSecret, code },
  });
}

describe('access tokens', () => {
  it('refuses a call without a token or with a token it did not issue with 190', async () => {
    const missing = await t.graph('GET', `/${t.wabaId}/phone_numbers`, { token: null });
    expect(missing.status).toBe(401);
    expect(metaError(missing)).toMatchObject({ code: 190, message: '(#190) Error validating access token' });
    const foreign = await t.graph('GET', `/${t.wabaId}/phone_numbers`, { token: 'EAAnotours' });
    expect(metaError(foreign).code).toBe(190);
  });

  it('takes the token from the access_token query parameter as well as the Bearer header', async () => {
    const answer = await t.graph('GET', `/${t.wabaId}/phone_numbers`, {
      token: null,
      query: { access_token: t.token },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: [] });
  });

  it('answers 200 when the token does not target the WABA or lacks the scope register needs', async () => {
    const id = await t.addNumber('4155552671');
    const { wabaId: otherWaba } = t.sandbox.admin.createWaba({ portfolioId: t.portfolioId });
    const otherToken = t.sandbox.admin.issueToken({ wabaIds: [otherWaba] });
    const foreign = await t.graph('GET', `/${id}`, { token: otherToken });
    expect(foreign.status).toBe(403);
    expect(metaError(foreign)).toMatchObject({ code: 200, message: '(#200) Permission denied' });

    const managementOnly = t.sandbox.admin.issueToken({
      wabaIds: [t.wabaId],
      scopes: ['whatsapp_business_management'],
    });
    await t.verifyNumber(id);
    const register = await t.graph('POST', `/${id}/register`, {
      token: managementOnly,
      json: { messaging_product: 'whatsapp', pin: '123456' },
    });
    expect(metaError(register).code).toBe(200);
    expect(metaError(register).error_data?.details).toMatch(/whatsapp_business_messaging/);
  });
});

describe('token revocation', () => {
  it('answers 190 to every token of a revoked WABA, over the admin API, and debug_token reads it invalid', async () => {
    const { wabaId: otherWaba } = t.sandbox.admin.createWaba({ portfolioId: t.portfolioId });
    const otherToken = t.sandbox.admin.issueToken({ wabaIds: [otherWaba] });
    const revoked = await fetch(`${t.sandbox.url}/_sandbox/wabas/${t.wabaId}/revoke-tokens`, { method: 'POST' });
    expect(await revoked.json()).toEqual({ revoked: 1 });
    const refused = await t.graph('GET', `/${t.wabaId}/phone_numbers`);
    expect(refused.status).toBe(401);
    expect(metaError(refused)).toMatchObject({
      code: 190,
      error_data: { details: expect.stringMatching(/invalidated/) },
    });
    expect((await t.graph('GET', `/${otherWaba}/phone_numbers`, { token: otherToken })).status).toBe(200);
    const described = await t.graph('GET', '/debug_token', {
      token: null,
      query: { input_token: t.token, access_token: `${APP_ID}|${APP_SECRET}` },
    });
    expect(described.body).toMatchObject({ data: { is_valid: false } });
    const renewed = t.sandbox.admin.issueToken({ wabaIds: [t.wabaId] });
    expect((await t.graph('GET', `/${t.wabaId}/phone_numbers`, { token: renewed })).status).toBe(200);
  });
});

describe('Embedded Signup code exchange and debug_token', () => {
  it('exchanges a code once for a token scoped to its WABA', async () => {
    const { code } = t.sandbox.admin.createSignupCode({ wabaId: t.wabaId });
    const answer = await exchange(code);
    expect(answer.body).toEqual({ access_token: expect.stringMatching(/^EAA/), token_type: 'bearer' });
    const token = String(answer.body.access_token);
    expect((await t.graph('GET', `/${t.wabaId}/phone_numbers`, { token })).status).toBe(200);

    const again = await exchange(code);
    expect(metaError(again)).toMatchObject({
      code: 100,
      error_data: { details: 'This authorization code has been used.' },
    });
  });

  it('refuses a code 30 seconds of sandbox time after it was made', async () => {
    const { code } = t.sandbox.admin.createSignupCode({ wabaId: t.wabaId });
    t.sandbox.admin.advanceClock(30_000);
    const answer = await exchange(code);
    expect(metaError(answer).error_data?.details).toBe('This authorization code has expired.');
  });

  it('refuses a wrong client secret', async () => {
    const { code } = t.sandbox.admin.createSignupCode({ wabaId: t.wabaId });
    expect(metaError(await exchange(code, 'wrong')).error_data?.details).toBe('Error validating client secret.');
  });

  it('describes a token with granular_scopes naming the WABA in target_ids', async () => {
    const answer = await t.graph('GET', '/debug_token', {
      token: null,
      query: { input_token: t.token, access_token: `${APP_ID}|${APP_SECRET}` },
    });
    expect(answer.body).toMatchObject({
      data: {
        app_id: APP_ID,
        type: 'SYSTEM_USER',
        is_valid: true,
        scopes: ['whatsapp_business_management', 'whatsapp_business_messaging'],
        granular_scopes: [
          { scope: 'whatsapp_business_management', target_ids: [t.wabaId] },
          { scope: 'whatsapp_business_messaging', target_ids: [t.wabaId] },
        ],
      },
    });
    const unknown = await t.graph('GET', '/debug_token', {
      token: null,
      query: { input_token: 'EAAunknown', access_token: `${APP_ID}|${APP_SECRET}` },
    });
    expect(unknown.body).toMatchObject({ data: { is_valid: false } });
  });

  it('refuses debug_token without the app token', async () => {
    const answer = await t.graph('GET', '/debug_token', { token: null, query: { input_token: t.token } });
    expect(metaError(answer).code).toBe(190);
  });
});
