import { describe, expect, it } from 'vitest';
import {
  GraphClient,
  GraphInputError,
  PerWabaTokenProvider,
  tokenCoversWaba,
  type NumberRef,
} from '../../src/graph/index.js';
import { InMemoryTokenStore } from '../../src/stores/memory-token-store.js';
import { useFakeGraph, type FakeGraph } from './support/fake-graph.js';

const WABA = '102290129340398';
const OTHER_WABA = '104996122399160';
const NUMBER: NumberRef = { wabaId: WABA, phoneNumberId: '106540352242922' };
const APP_ID = '1234567890';
const APP_SECRET = 'app-secret-0f9e8d7c';

let graph: FakeGraph;
let client: GraphClient;

useFakeGraph(
  async () => {
    const store = new InMemoryTokenStore();
    await store.put(WABA, 'token-of-waba-one');
    await store.put(OTHER_WABA, 'token-of-waba-two');
    return { tokens: new PerWabaTokenProvider(store), appId: APP_ID, appSecret: APP_SECRET };
  },
  (fake, graphClient) => {
    graph = fake;
    client = graphClient;
  },
);

function form(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

describe('Graph client requests', () => {
  it('adds a number with a JSON body and the token of its WABA', async () => {
    graph.reply({ body: { id: '106540352242922' } });
    const added = await client.addPhoneNumber(OTHER_WABA, { cc: '1', phoneNumber: '6505551234', verifiedName: 'Acme' });
    expect(added).toEqual({ id: '106540352242922' });
    const request = graph.last();
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/v23.0/${OTHER_WABA}/phone_numbers`);
    expect(request.headers.authorization).toBe('Bearer token-of-waba-two');
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({ cc: '1', phone_number: '6505551234', verified_name: 'Acme' });
  });

  it('sends migrate_phone_number and preverified_id only when given', async () => {
    graph.reply({ body: { id: '1' } });
    await client.addPhoneNumber(WABA, {
      cc: '44',
      phoneNumber: '7700900123',
      verifiedName: 'Acme UK',
      migratePhoneNumber: true,
      preverifiedId: '555',
    });
    expect(JSON.parse(graph.last().body)).toMatchObject({ migrate_phone_number: true, preverified_id: '555' });
  });

  it('lists numbers with fields, limit and cursor in the query, and hides the paging URL', async () => {
    graph.reply({
      body: {
        data: [{ id: '1', display_phone_number: '+1 555-555-5555', quality_rating: 'GREEN', verified_name: 'Acme' }],
        paging: { cursors: { before: 'QVFI1', after: 'QVFI2' }, next: `${graph.url}/next?access_token=leak` },
      },
    });
    const page = await client.listPhoneNumbers(WABA, { fields: ['verified_name', 'status'], limit: 1, after: 'QVFI0' });
    const request = graph.last();
    expect(request.method).toBe('GET');
    expect(request.path).toBe(`/v23.0/${WABA}/phone_numbers`);
    expect(Object.fromEntries(request.query)).toEqual({ fields: 'verified_name,status', limit: '1', after: 'QVFI0' });
    expect(request.body).toBe('');
    expect(page.data[0]?.quality_rating).toBe('GREEN');
    expect(page.paging).toEqual({ before: 'QVFI1', after: 'QVFI2', hasNext: true });
    expect(JSON.stringify(page)).not.toContain('leak');
  });

  it('follows cursors through every page of numbers', async () => {
    graph.reply(
      { body: { data: [{ id: '1' }, { id: '2' }], paging: { cursors: { after: 'c1' }, next: 'https://x/next' } } },
      { body: { data: [{ id: '3' }], paging: { cursors: { before: 'c1', after: 'c2' } } } },
    );
    const ids: string[] = [];
    for await (const number of client.allPhoneNumbers(WABA, ['status'])) ids.push(number.id);
    expect(ids).toEqual(['1', '2', '3']);
    expect(graph.requests.map((r) => r.query.get('after'))).toEqual([null, 'c1']);
  });

  it('reads the fields of a number and always has its id', async () => {
    graph.reply({
      body: {
        id: NUMBER.phoneNumberId,
        status: 'CONNECTED',
        code_verification_status: 'VERIFIED',
        name_status: 'APPROVED',
        throughput: { level: 'STANDARD' },
        is_on_biz_app: false,
        health_status: {
          can_send_message: 'LIMITED',
          entities: [
            {
              entity_type: 'PHONE_NUMBER',
              id: NUMBER.phoneNumberId,
              can_send_message: 'LIMITED',
              errors: [{ error_code: 141006, error_description: 'payment issue', possible_solution: 'add a card' }],
            },
          ],
        },
        a_field_meta_added_later: 42,
      },
    });
    const number = await client.getPhoneNumber(NUMBER, ['status', 'code_verification_status', 'health_status']);
    const request = graph.last();
    expect(request.path).toBe(`/v23.0/${NUMBER.phoneNumberId}`);
    expect(request.query.get('fields')).toBe('status,code_verification_status,health_status');
    expect(request.headers.authorization).toBe('Bearer token-of-waba-one');
    expect(number).toMatchObject({ id: NUMBER.phoneNumberId, status: 'CONNECTED', throughput: { level: 'STANDARD' } });
    expect(number.health_status?.entities?.[0]?.errors?.[0]?.error_code).toBe(141006);
    expect(number).not.toHaveProperty('a_field_meta_added_later');
  });

  it('accepts a status value Meta adds later instead of failing the read', async () => {
    graph.reply({ body: { status: 'OFFLINE', code_verification_status: 'UNVERIFIED', id: NUMBER.phoneNumberId } });
    const number = await client.getPhoneNumber(NUMBER, ['status', 'code_verification_status']);
    expect(number).toEqual({ id: NUMBER.phoneNumberId, status: 'OFFLINE', code_verification_status: 'UNVERIFIED' });
  });

  it('requests a code with form fields', async () => {
    await client.requestCode(NUMBER, { codeMethod: 'VOICE', language: 'en_US' });
    const request = graph.last();
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/v23.0/${NUMBER.phoneNumberId}/request_code`);
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form(request.body)).toEqual({ code_method: 'VOICE', language: 'en_US' });
  });

  it('verifies the code as six digits, also when typed as Meta delivers it (123-830)', async () => {
    await client.verifyCode(NUMBER, '123-830');
    const request = graph.last();
    expect(request.path).toBe(`/v23.0/${NUMBER.phoneNumberId}/verify_code`);
    expect(form(request.body)).toEqual({ code: '123830' });
  });

  it('refuses a code that is not six digits before calling Meta', async () => {
    for (const code of ['12345', '1234567', 'abcdef', '']) {
      await expect(client.verifyCode(NUMBER, code)).rejects.toThrow(GraphInputError);
    }
    await expect(client.verifyCode(NUMBER, '12345')).rejects.toThrow(
      'POST /{phone-number-id}/verify_code: the code must be 6 digits',
    );
    expect(graph.requests).toHaveLength(0);
  });

  it('registers with a JSON body holding the PIN and the storage region', async () => {
    await client.register(NUMBER, { pin: '482913', dataLocalizationRegion: 'DE' });
    const request = graph.last();
    expect(request.path).toBe(`/v23.0/${NUMBER.phoneNumberId}/register`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({
      messaging_product: 'whatsapp',
      pin: '482913',
      data_localization_region: 'DE',
    });
  });

  it('refuses a PIN that is not six digits and a region Meta does not offer, before calling Meta', async () => {
    await expect(client.register(NUMBER, { pin: '4829' })).rejects.toThrow('the two-step PIN must be exactly 6 digits');
    await expect(client.register(NUMBER, { pin: '482913', dataLocalizationRegion: 'FR' as 'DE' })).rejects.toThrow(
      GraphInputError,
    );
    await expect(client.setTwoStepPin(NUMBER, '12ab56')).rejects.toThrow(GraphInputError);
    expect(graph.requests).toHaveLength(0);
  });

  it('deregisters with an empty POST', async () => {
    await client.deregister(NUMBER);
    expect(graph.last()).toMatchObject({ method: 'POST', path: `/v23.0/${NUMBER.phoneNumberId}/deregister`, body: '' });
  });

  it('sets the two-step PIN on the number itself', async () => {
    await client.setTwoStepPin(NUMBER, '135790');
    expect(graph.last()).toMatchObject({ method: 'POST', path: `/v23.0/${NUMBER.phoneNumberId}` });
    expect(JSON.parse(graph.last().body)).toEqual({ pin: '135790' });
  });

  it('turns the identity check on with the enable_identity_key_check key', async () => {
    await client.setIdentityCheck(NUMBER, true);
    expect(graph.last().path).toBe(`/v23.0/${NUMBER.phoneNumberId}/settings`);
    expect(JSON.parse(graph.last().body)).toEqual({ user_identity_change: { enable_identity_key_check: true } });
  });

  it('reads the settings of a number', async () => {
    graph.reply({ body: { calling: { status: 'DISABLED' }, payload_encryption: { status: 'DISABLED' } } });
    const settings = await client.getSettings(NUMBER);
    expect(graph.last()).toMatchObject({ method: 'GET', path: `/v23.0/${NUMBER.phoneNumberId}/settings` });
    expect(settings.payload_encryption?.status).toBe('DISABLED');
  });

  it('asks for a display-name change in the query string', async () => {
    await client.requestDisplayNameChange(NUMBER, 'Acme Support');
    const request = graph.last();
    expect(request).toMatchObject({ method: 'POST', path: `/v23.0/${NUMBER.phoneNumberId}`, body: '' });
    expect(request.query.get('new_display_name')).toBe('Acme Support');
  });

  it('checks a display name by the display-name rule before calling Meta, and sends it normalised', async () => {
    await expect(client.requestDisplayNameChange(NUMBER, 'Acme \u202eSupport')).rejects.toThrow(
      'POST /{phone-number-id}: the display name contains a bidirectional-text control (U+202E)',
    );
    await expect(
      client.addPhoneNumber(WABA, { cc: '1', phoneNumber: '6505551234', verifiedName: 'https://acme.example' }),
    ).rejects.toThrow(GraphInputError);
    expect(graph.requests).toHaveLength(0);
    await client.requestDisplayNameChange(NUMBER, ' Acme   Support ');
    expect(graph.last().query.get('new_display_name')).toBe('Acme Support');
  });

  it('subscribes, lists and unsubscribes the app on a WABA', async () => {
    await client.subscribeApp(WABA, { overrideCallbackUri: 'https://hooks.example/wa', verifyToken: 'vt-1' });
    expect(graph.last()).toMatchObject({ method: 'POST', path: `/v23.0/${WABA}/subscribed_apps` });
    expect(JSON.parse(graph.last().body)).toEqual({
      override_callback_uri: 'https://hooks.example/wa',
      verify_token: 'vt-1',
    });

    graph.reply({
      body: { data: [{ whatsapp_business_api_data: { id: APP_ID, name: 'numberflow', link: 'https://x' } }] },
    });
    expect(await client.listSubscribedApps(WABA)).toEqual([
      { whatsapp_business_api_data: { id: APP_ID, name: 'numberflow', link: 'https://x' } },
    ]);
    expect(graph.last().method).toBe('GET');

    await client.unsubscribeApp(WABA);
    expect(graph.last()).toMatchObject({ method: 'DELETE', path: `/v23.0/${WABA}/subscribed_apps` });
  });

  it('starts a coexistence sync and returns its request id', async () => {
    graph.reply({ body: { messaging_product: 'whatsapp', request_id: 'req-77' } });
    expect(await client.syncSmbAppData(NUMBER, 'history')).toEqual({ requestId: 'req-77' });
    expect(JSON.parse(graph.last().body)).toEqual({ messaging_product: 'whatsapp', sync_type: 'history' });
  });

  it("exchanges an Embedded Signup code with the app's credentials and no bearer token", async () => {
    graph.reply({ body: { access_token: 'EAAB-business-token', token_type: 'bearer', expires_in: 5183944 } });
    const token = await client.exchangeSignupCode('signup-code-1');
    expect(token).toEqual({ accessToken: 'EAAB-business-token', tokenType: 'bearer', expiresIn: 5183944 });
    const request = graph.last();
    expect(request).toMatchObject({ method: 'GET', path: '/v23.0/oauth/access_token' });
    expect(Object.fromEntries(request.query)).toEqual({
      client_id: APP_ID,
      client_secret: APP_SECRET,
      code: 'signup-code-1',
    });
    expect(request.headers.authorization).toBeUndefined();
  });

  it('debugs a token with the app token and tells which WABAs it covers', async () => {
    graph.reply({
      body: {
        data: {
          app_id: APP_ID,
          type: 'SYSTEM_USER',
          application: 'numberflow',
          is_valid: true,
          expires_at: 0,
          scopes: ['whatsapp_business_management', 'whatsapp_business_messaging'],
          granular_scopes: [
            { scope: 'whatsapp_business_management', target_ids: [WABA] },
            { scope: 'whatsapp_business_messaging', target_ids: [WABA, OTHER_WABA] },
          ],
        },
      },
    });
    const data = await client.debugToken('EAAB-business-token');
    const request = graph.last();
    expect(request.path).toBe('/v23.0/debug_token');
    expect(request.query.get('input_token')).toBe('EAAB-business-token');
    expect(request.query.get('access_token')).toBe(`${APP_ID}|${APP_SECRET}`);
    expect(tokenCoversWaba(data, WABA)).toBe(true);
    expect(tokenCoversWaba(data, OTHER_WABA)).toBe(false);
    expect(tokenCoversWaba({ ...data, is_valid: false }, WABA)).toBe(false);
  });

  it('refuses ids that are not numeric, so nothing odd reaches the path', async () => {
    await expect(client.deregister({ ...NUMBER, phoneNumberId: '123/../456' })).rejects.toThrow(
      'POST /{phone-number-id}/deregister: phone-number-id must be a numeric Graph id',
    );
    await expect(client.listPhoneNumbers('me?x=1')).rejects.toThrow(GraphInputError);
    expect(graph.requests).toHaveLength(0);
  });
});

describe('Graph client configuration', () => {
  it('uses the configured API version and a base URL with a path', async () => {
    const versioned = new GraphClient({
      baseUrl: `${graph.url}/graph/`,
      apiVersion: 'v25.0',
      tokens: new PerWabaTokenProvider(new InMemoryTokenStore(), 'system-user-token'),
    });
    try {
      await versioned.deregister(NUMBER);
      expect(graph.last().path).toBe(`/graph/v25.0/${NUMBER.phoneNumberId}/deregister`);
      expect(graph.last().headers.authorization).toBe('Bearer system-user-token');
    } finally {
      await versioned.close();
    }
  });

  it('refuses an API version that is not vN.N', () => {
    expect(() => new GraphClient({ apiVersion: '23', tokens: { tokenFor: async () => 't' } })).toThrow(
      'apiVersion must look like v23.0',
    );
  });

  it('needs the app id and secret for Embedded Signup calls', async () => {
    const withoutApp = new GraphClient({ baseUrl: graph.url, tokens: { tokenFor: async () => 't' } });
    try {
      await expect(withoutApp.exchangeSignupCode('c')).rejects.toThrow('appId and appSecret must be configured');
      expect(graph.requests).toHaveLength(0);
    } finally {
      await withoutApp.close();
    }
  });
});
