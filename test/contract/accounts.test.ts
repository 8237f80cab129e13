// The app's place on a WABA and Embedded Signup's server-to-server calls (docs/meta-graph-api.md#webhook-subscription, #embedded-signup): webhook
// subscription, the code exchange (30 s, single use) and debug_token with the WABA check numberflow makes on it.
import { expect } from 'vitest';
import { PerWabaTokenProvider, tokenCoversWaba, type SignupToken, type SubscribedApp } from '../../src/graph/index.js';
import { InMemoryTokenStore } from '../../src/stores/memory-token-store.js';
import { describeContract, failure } from './contract.js';
import { expectGraphError } from './errors.js';
import { sandboxOf, type ContractTarget } from './targets.js';

const EXCHANGE = 'GET /oauth/access_token';

function appIds(apps: SubscribedApp[]): string[] {
  return apps.map((app) => app.whatsapp_business_api_data.id);
}

/** A signup code for the target's WABA, made on Meta's side (the customer finishing Embedded Signup). */
function signupCode(target: ContractTarget): string {
  const { code } = sandboxOf(target).admin.createSignupCode({ wabaId: target.wabaId });
  target.secrets.add(code);
  return code;
}

/** The code exchange through the client under test; the token it returns joins the secrets. */
async function exchange(target: ContractTarget, code: string): Promise<SignupToken> {
  const token = await target.client.exchangeSignupCode(code);
  target.secrets.add(token.accessToken);
  return token;
}

describeContract('subscriptions and Embedded Signup', (test) => {
  test('lists the apps subscribed to the WABA', [], async (t) => {
    const apps = await t.client.listSubscribedApps(t.wabaId);
    for (const id of appIds(apps)) expect(id).toMatch(/^\d+$/);
  });

  test('subscribes the app to the WABA, lists it, and unsubscribes it', ['writes'], async (t) => {
    const ours = (apps: SubscribedApp[]) => (t.appId ? appIds(apps).includes(t.appId) : apps.length > 0);
    const wasSubscribed = ours(await t.client.listSubscribedApps(t.wabaId));
    try {
      await t.client.subscribeApp(t.wabaId);
      expect(ours(await t.client.listSubscribedApps(t.wabaId))).toBe(true);
      await t.client.unsubscribeApp(t.wabaId);
      expect(ours(await t.client.listSubscribedApps(t.wabaId))).toBe(false);
    } finally {
      // A real WABA keeps receiving its webhooks.
      if (wasSubscribed) await t.client.subscribeApp(t.wabaId);
    }
  });

  test(
    'exchanges an Embedded Signup code for a token that works on the WABA',
    ['meta-side', 'app-credentials'],
    async (t) => {
      const { accessToken, tokenType } = await exchange(t, signupCode(t));
      expect(accessToken).not.toBe('');
      expect(tokenType).toBe('bearer');
      const tokens = new PerWabaTokenProvider(new InMemoryTokenStore());
      await tokens.remember(t.wabaId, accessToken);
      const asCustomer = t.clientWith({ tokens });
      expect((await asCustomer.listPhoneNumbers(t.wabaId, { fields: ['id'] })).data.length).toBeGreaterThan(0);
    },
  );

  test('refuses a signup code used a second time', ['meta-side', 'app-credentials'], async (t) => {
    const code = signupCode(t);
    await exchange(t, code);
    const err = await failure(t, t.client.exchangeSignupCode(code));
    expectGraphError(err, { code: 100, httpStatus: 400, errorClass: 'permanent', endpoint: EXCHANGE });
  });

  test(
    'accepts a signup code 29 s after Embedded Signup and refuses it at 30 s',
    ['meta-side', 'clock', 'app-credentials'],
    async (t) => {
      const { admin } = sandboxOf(t);
      const fresh = signupCode(t);
      admin.advanceClock(29_000);
      await exchange(t, fresh);
      const stale = signupCode(t);
      admin.advanceClock(30_000);
      const err = await failure(t, t.client.exchangeSignupCode(stale));
      expectGraphError(err, { code: 100, httpStatus: 400, errorClass: 'permanent', endpoint: EXCHANGE });
    },
  );

  test('refuses a made-up signup code', ['app-credentials'], async (t) => {
    const err = await failure(t, t.client.exchangeSignupCode('AQDmadeUpCodeThatMetaNeverIssued'));
    expectGraphError(err, { code: 100, httpStatus: 400, errorClass: 'permanent', endpoint: EXCHANGE });
  });

  test("debugs the target's token: valid, with a management grant on the WABA", ['app-credentials'], async (t) => {
    const data = await t.client.debugToken(t.token);
    expect(data).toMatchObject({ is_valid: true, app_id: t.appId });
    expect(tokenCoversWaba(data, t.wabaId)).toBe(true);
    expect(tokenCoversWaba(data, '100000000000001')).toBe(false);
  });

  test(
    "debugs a token of another WABA: tokenCoversWaba is false for the target's",
    ['meta-side', 'app-credentials'],
    async (t) => {
      const other = sandboxOf(t).account();
      const data = await t.client.debugToken(other.token);
      expect(data.is_valid).toBe(true);
      expect(tokenCoversWaba(data, other.wabaId)).toBe(true);
      expect(tokenCoversWaba(data, t.wabaId)).toBe(false);
    },
  );

  test('reports a token Meta never issued as not valid', ['app-credentials'], async (t) => {
    const data = await t.client.debugToken('EAAGnotARealToken0000000000');
    expect(data.is_valid).toBe(false);
    expect(tokenCoversWaba(data, t.wabaId)).toBe(false);
  });

  test('refuses Embedded Signup calls when the app secret is wrong (190)', ['app-credentials'], async (t) => {
    const wrongSecret = 'not-the-app-secret-71c2';
    t.secrets.add(wrongSecret);
    const client = t.clientWith({ appSecret: wrongSecret });
    const err = await failure(t, client.debugToken(t.token));
    expectGraphError(err, { code: 190, httpStatus: 401, errorClass: 'permanent', endpoint: 'GET /debug_token' });
  });
});
