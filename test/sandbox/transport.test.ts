import { Writable } from 'node:stream';
import { pino } from 'pino';
import { FormData, fetch } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APP_ID, APP_SECRET, type TestSandbox, metaError, startTestSandbox } from './support.js';

let t: TestSandbox;

beforeEach(async () => {
  t = await startTestSandbox();
});
afterEach(async () => t.close());

describe('transport conventions', () => {
  it('accepts any /vNN.N prefix or none, and sends the trace and version headers', async () => {
    for (const version of ['v21.0', 'v25.0']) {
      const answer = await t.graph('GET', `/${t.wabaId}/phone_numbers`, { version });
      expect(answer.status).toBe(200);
      expect(answer.headers['facebook-api-version']).toBe(version);
      expect(answer.headers['x-fb-trace-id']).toMatch(/^[A-Za-z0-9]{11}$/);
      expect(answer.headers['x-fb-request-id']).toEqual(expect.any(String));
    }
    const bare = await fetch(`${t.sandbox.url}/${t.wabaId}/phone_numbers`, {
      headers: { authorization: `Bearer ${t.token}` },
    });
    expect(bare.status).toBe(200);
  });

  it('reads request_code parameters from a multipart form (curl -F)', async () => {
    const id = await t.addNumber('4155552671');
    const form = new FormData();
    form.set('code_method', 'VOICE');
    form.set('language', 'en_US');
    const answer = await fetch(`${t.sandbox.url}/v23.0/${id}/request_code`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.token}` },
      body: form,
    });
    expect(await answer.json()).toEqual({ success: true });
    expect(t.sandbox.admin.outbox({ phoneNumberId: id })).toMatchObject([{ method: 'VOICE' }]);
  });

  it('reads parameters from form bodies sent without a content type (curl -d)', async () => {
    const answer = await t.graph('POST', `/${t.wabaId}/phone_numbers`, {
      rawBody: { contentType: 'text/plain', body: 'cc=1&phone_number=4155552671&verified_name=Acme' },
    });
    expect(answer.body).toEqual({ id: expect.stringMatching(/^\d+$/) });
  });
});

describe('bad input is Meta error body, never a crash', () => {
  it('answers malformed JSON with 100 and HTTP 400', async () => {
    const answer = await t.graph('POST', `/${t.wabaId}/phone_numbers`, {
      rawBody: { contentType: 'application/json', body: '{"cc": "1",' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: {
        message: '(#100) Invalid parameter',
        type: 'OAuthException',
        code: 100,
        error_data: { messaging_product: 'whatsapp', details: 'The request body is not valid JSON' },
        fbtrace_id: answer.headers['x-fb-trace-id'],
      },
    });
  });

  it.each([
    ['a JSON array body', { contentType: 'application/json', body: '[1,2]' }, /JSON object/],
    [
      'a PIN of the wrong type',
      { contentType: 'application/json', body: '{"messaging_product":"whatsapp","pin":{"x":1}}' },
      /^Param pin is invalid/,
    ],
    [
      'a 5-digit PIN',
      { contentType: 'application/json', body: '{"messaging_product":"whatsapp","pin":"12345"}' },
      /pin must be 6 digits/,
    ],
    [
      'another messaging_product',
      { contentType: 'application/json', body: '{"messaging_product":"sms","pin":"123456"}' },
      /messaging_product/,
    ],
  ])('answers %s on register with 100 naming the problem', async (_label, rawBody, details) => {
    const id = await t.addNumber('4155552671');
    const answer = await t.graph('POST', `/${id}/register`, { rawBody });
    expect(answer.status).toBe(400);
    expect(metaError(answer)).toMatchObject({ code: 100, error_data: { details: expect.stringMatching(details) } });
  });

  it('answers an unknown id with the 100/33 body and an unknown path with 100', async () => {
    const unknownId = await t.graph('POST', '/999999999999999/register', {
      json: { messaging_product: 'whatsapp', pin: '123456' },
    });
    expect(metaError(unknownId)).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
    const wrongMethod = await t.graph('GET', `/${t.wabaId}/register`);
    expect(metaError(wrongMethod).message).toMatch(/^Unsupported get request/);
    const unknownPath = await t.graph('GET', '/not/a/graph/path');
    expect(unknownPath.status).toBe(400);
    expect(metaError(unknownPath)).toMatchObject({
      code: 100,
      error_data: { details: expect.stringMatching(/Unknown path/) },
    });
  });

  it.each([
    ['bad percent-escapes', '/%zz'],
    ['an overlong id', `/v23.0/${'1'.repeat(300)}`],
  ])('answers a URL the router cannot read (%s) with 100', async (_label, path) => {
    const answer = await fetch(`${t.sandbox.url}${path}`);
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({
      error: { code: 100, fbtrace_id: answer.headers.get('x-fb-trace-id') },
    });
  });

  it('answers a WABA id where a phone number id is expected with 100/33', async () => {
    const answer = await t.graph('POST', `/${t.wabaId}/request_code`, {
      query: { code_method: 'SMS', language: 'en_US' },
    });
    expect(metaError(answer)).toMatchObject({ code: 100, error_subcode: 33 });
  });

  it('refuses an unknown field with 100 naming it', async () => {
    const id = await t.addNumber('4155552671');
    const answer = await t.graph('GET', `/${id}`, { query: { fields: 'status,favourite_colour' } });
    expect(metaError(answer).error_data?.details).toBe(
      'Tried accessing nonexisting field (favourite_colour) on node type (WhatsAppBusinessPhoneNumber)',
    );
  });

  it.each([
    ['limit=0', { limit: '0' }],
    ['limit=abc', { limit: 'abc' }],
    ['a forged cursor', { after: 'bm9wZQ' }],
    ['filtering that is not JSON', { filtering: '[{' }],
  ])('answers %s on the number list with 100', async (_label, query) => {
    const answer = await t.graph('GET', `/${t.wabaId}/phone_numbers`, { query });
    expect(answer.status).toBe(400);
    expect(metaError(answer).code).toBe(100);
  });
});

describe('GET /{waba}/phone_numbers', () => {
  it('lists newest first with default fields, pages with cursors and limit, and sorts ascending on request', async () => {
    await t.close();
    t = await startTestSandbox();
    t.sandbox.admin.raiseCap(t.portfolioId, 20);
    const ids: string[] = [];
    for (const n of ['1', '2', '3']) {
      ids.push(await t.addNumber(`415555267${n}`));
      t.sandbox.admin.advanceClock(1_000);
    }
    const first = await t.graph('GET', `/${t.wabaId}/phone_numbers`, { query: { limit: '2' } });
    const data = first.body.data as Record<string, unknown>[];
    expect(data.map((n) => n.id)).toEqual([ids[2], ids[1]]);
    expect(Object.keys(data[0] ?? {}).sort()).toEqual(
      [
        'code_verification_status',
        'display_phone_number',
        'id',
        'last_onboarded_time',
        'platform_type',
        'quality_rating',
        'throughput',
        'verified_name',
      ].sort(),
    );
    const paging = first.body.paging as { cursors: { after: string }; next: string };
    expect(paging.next).toContain('after=');
    expect(paging.next).not.toContain('access_token');
    const second = await t.graph('GET', `/${t.wabaId}/phone_numbers`, {
      query: { limit: '2', after: paging.cursors.after },
    });
    expect((second.body.data as { id: string }[]).map((n) => n.id)).toEqual([ids[0]]);
    expect(second.body.paging).not.toHaveProperty('next');

    const ascending = await t.graph('GET', `/${t.wabaId}/phone_numbers`, {
      query: { sort: "['last_onboarded_time_ascending']", fields: 'id' },
    });
    expect(ascending.body.data).toEqual(ids.map((id) => ({ id })));
  });

  it('filters on account_mode with filtering=[{field,operator,value}]', async () => {
    await t.addNumber('4155552671');
    const live = await t.graph('GET', `/${t.wabaId}/phone_numbers`, {
      query: { filtering: JSON.stringify([{ field: 'account_mode', operator: 'EQUAL', value: 'LIVE' }]) },
    });
    expect(live.body.data).toHaveLength(1);
    const sandboxMode = await t.graph('GET', `/${t.wabaId}/phone_numbers`, {
      query: { filtering: JSON.stringify([{ field: 'account_mode', operator: 'EQUAL', value: 'SANDBOX' }]) },
    });
    expect(sandboxMode.body).toEqual({ data: [] });
  });
});

describe('call log and logs', () => {
  it('records every call with its normalised endpoint, status and error code, and never a PIN, code or token', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    await t.close();
    t = await startTestSandbox({ logger: pino({ level: 'debug' }, sink) });
    const id = await t.addNumber('4155552671');
    await t.graph('POST', `/${id}/request_code`, {
      query: { code_method: 'SMS', language: 'en_US', access_token: t.token },
    });
    const code = t.sandbox.admin.latestCode(id) ?? '';
    await t.graph('POST', `/${id}/verify_code`, { form: { code } });
    await t.graph('POST', `/${id}/register`, { json: { messaging_product: 'whatsapp', pin: '975310' } });
    await t.graph('POST', `/${id}`, { json: { pin: '864209' } });
    const { code: signupCode } = t.sandbox.admin.createSignupCode({ wabaId: t.wabaId });
    await t.graph('GET', '/oauth/access_token', {
      token: null,
      query: { client_id: APP_ID, client_secret: APP_SECRET, code: signupCode },
    });
    await t.graph('GET', '/debug_token', {
      token: null,
      query: { input_token: t.token, access_token: `${APP_ID}|${APP_SECRET}` },
    });
    await t.graph('GET', '/999999999999999', { query: { fields: 'status' } });

    const calls = t.sandbox.admin.calls();
    expect(calls.map((c) => `${c.endpoint} ${c.status}${c.errorCode ? ` ${c.errorCode}` : ''}`)).toEqual([
      'POST /{waba-id}/phone_numbers 200',
      'POST /{phone-number-id}/request_code 200',
      'POST /{phone-number-id}/verify_code 200',
      'POST /{phone-number-id}/register 200',
      'POST /{phone-number-id} 200',
      'GET /oauth/access_token 200',
      'GET /debug_token 200',
      'GET /{id} 400 100',
    ]);
    expect(calls[3]).toMatchObject({ method: 'POST', path: `/${id}/register`, body: { pin: '[REDACTED]' } });
    const everything = JSON.stringify(calls) + lines.join('');
    // Each secret as a whole word: a log line's time in ms once held the fixed PIN's six digits (…2975310…).
    for (const secret of [code, '975310', '864209', t.token, APP_SECRET, signupCode]) {
      expect(everything).not.toMatch(
        new RegExp(`(?<![0-9A-Za-z_-])${secret.replace(/[^\w]/g, '\\$&')}(?![0-9A-Za-z_-])`),
      );
    }
    expect(lines.length).toBeGreaterThan(0);
    t.sandbox.admin.clearCalls();
    expect(t.sandbox.admin.calls()).toEqual([]);
  });
});
