import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { APP_SECRET, type WebhookReceiver, startWebhookReceiver } from './support.js';

let sandbox: Sandbox;
let receiver: WebhookReceiver;

beforeEach(async () => {
  receiver = await startWebhookReceiver();
  sandbox = await startSandbox({ appSecret: APP_SECRET, seed: 3 });
});
afterEach(async () => {
  await sandbox.close();
  await receiver.close();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await request(`${sandbox.url}${path}`, {
    method: method as 'GET',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.statusCode, body: await response.body.json() };
}

async function graph(method: string, path: string, token: string, body?: unknown): Promise<unknown> {
  const response = await request(`${sandbox.url}/v23.0${path}`, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.body.json();
}

describe('the admin API over HTTP', () => {
  it('drives a whole onboarding: portfolio, WABA, token, outbox, decision, webhooks, clock', async () => {
    const { portfolioId } = (await call('POST', '/_sandbox/portfolios', {})).body as { portfolioId: string };
    const { wabaId } = (await call('POST', '/_sandbox/wabas', { portfolioId })).body as { wabaId: string };
    const { accessToken } = (await call('POST', '/_sandbox/tokens', { wabaIds: [wabaId] })).body as {
      accessToken: string;
    };
    expect((await call('PUT', '/_sandbox/webhook-url', { url: receiver.url })).body).toEqual({ ok: true });

    const { id } = (await graph('POST', `/${wabaId}/phone_numbers`, accessToken, {
      cc: '1',
      phone_number: '4155552671',
      verified_name: 'Acme',
    })) as { id: string };
    await graph('POST', `/${id}/request_code?code_method=SMS&language=en_US`, accessToken);
    const outbox = (await call('GET', `/_sandbox/outbox?phoneNumberId=${id}`)).body as { code: string }[];
    const latest = (await call('GET', `/_sandbox/outbox/${id}/latest`)).body as { code: string };
    expect(latest.code).toBe(outbox[0]?.code);
    const byNumber = (e164: string) => call('GET', `/_sandbox/outbox?e164=${encodeURIComponent(e164)}`);
    expect((await byNumber('+14155552671')).body).toEqual(outbox);
    expect((await byNumber('+14155550000')).body).toEqual([]);
    expect((await byNumber('4155552671')).status).toBe(400);

    await call('POST', `/_sandbox/numbers/${id}/display-name-decision`, { decision: 'APPROVED' });
    await call('POST', '/_sandbox/webhooks/flush');
    expect(receiver.values('phone_number_name_update')).toMatchObject([{ decision: 'APPROVED' }]);
    const webhooks = (await call('GET', '/_sandbox/webhooks')).body as { field: string; delivered: boolean }[];
    expect(webhooks.filter((w) => w.delivered).map((w) => w.field)).toEqual(['phone_number_name_update']);

    const before = ((await call('GET', '/_sandbox/clock')).body as { now: number }).now;
    const after = ((await call('POST', '/_sandbox/clock/advance', { ms: 3_600_000 })).body as { now: number }).now;
    expect(after - before).toBeGreaterThanOrEqual(3_600_000);

    const calls = (await call('GET', '/_sandbox/calls')).body as { endpoint: string }[];
    expect(calls.map((c) => c.endpoint)).toEqual([
      'POST /{waba-id}/phone_numbers',
      'POST /{phone-number-id}/request_code',
    ]);
  });

  it("disconnects a coexistence number: PARTNER_REMOVED naming it, with Meta's reason; refuses another number or reason", async () => {
    const { portfolioId } = (await call('POST', '/_sandbox/portfolios', {})).body as { portfolioId: string };
    const { wabaId } = (await call('POST', '/_sandbox/wabas', { portfolioId })).body as { wabaId: string };
    await call('PUT', '/_sandbox/webhook-url', { url: receiver.url });
    const linked = await call('POST', '/_sandbox/coexistence', { wabaId, e164: '+14155550123', verifiedName: 'Acme' });
    const { phoneNumberId } = linked.body as { phoneNumberId: string };
    const disconnect = (id: string, reason: string) =>
      call('POST', `/_sandbox/numbers/${id}/disconnection`, { reason, initiated_by: 'USER' });
    expect((await disconnect(phoneNumberId, 'ACCOUNT_DISCONNECTED')).status).toBe(200);
    await call('POST', '/_sandbox/webhooks/flush');
    expect(receiver.values('account_update')).toContainEqual(
      expect.objectContaining({
        event: 'PARTNER_REMOVED',
        phone_number: '14155550123',
        disconnection_info: { reason: 'ACCOUNT_DISCONNECTED', initiated_by: 'USER' },
      }),
    );
    expect((await disconnect(phoneNumberId, 'BORED')).status).toBe(400);
    // A WABA-wide removal's disconnection_info takes Meta's reasons too: another is refused, as for one number.
    const removal = (reason: string) =>
      call('POST', `/_sandbox/wabas/${wabaId}/partner-removal`, {
        disconnectionInfo: { reason, initiated_by: 'USER' },
      });
    const refused = await removal('NOPE');
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('ACCOUNT_DISCONNECTED');
    const tokens = await call('POST', '/_sandbox/tokens', { wabaIds: [wabaId] });
    const { accessToken } = tokens.body as { accessToken: string };
    const { id } = (await graph('POST', `/${wabaId}/phone_numbers`, accessToken, {
      cc: '1',
      phone_number: '4155550124',
      verified_name: 'Acme',
    })) as { id: string };
    const notCoexistence = await disconnect(id, 'ACCOUNT_DISCONNECTED');
    expect(notCoexistence.status).toBe(400);
    expect(JSON.stringify(notCoexistence.body)).toContain('is no coexistence number');
  });

  it('reads the two-step PIN a line holds: none, then the one preset on it', async () => {
    const e164 = encodeURIComponent('+14155552671');
    expect((await call('GET', `/_sandbox/lines/pin?e164=${e164}`)).body).toEqual({ pin: null });
    await call('POST', '/_sandbox/lines/pin', { e164: '+14155552671', pin: '246810' });
    expect((await call('GET', `/_sandbox/lines/pin?e164=${e164}`)).body).toEqual({ pin: '246810' });
    // Typed as is, the + arrives as a space: read as the + it was.
    expect((await call('GET', '/_sandbox/lines/pin?e164=+14155552671')).body).toEqual({ pin: '246810' });
    expect((await call('GET', '/_sandbox/outbox?e164=+14155552671')).status).toBe(200);
    const wrong = await call('GET', '/_sandbox/outbox?e164=14155552671');
    expect(wrong).toEqual({
      status: 400,
      body: { error: { message: 'e164: must be E.164, e.g. +14155552671 (%2B14155552671 in a query string)' } },
    });
  });

  it('injects and clears faults', async () => {
    const { portfolioId } = (await call('POST', '/_sandbox/portfolios', { portfolioId: '100200300' })).body as {
      portfolioId: string;
    };
    expect(portfolioId).toBe('100200300');
    const { wabaId } = (await call('POST', '/_sandbox/wabas', { portfolioId, wabaId: '400500600' })).body as {
      wabaId: string;
    };
    const token = sandbox.admin.issueToken({ wabaIds: [wabaId] });
    await call('POST', '/_sandbox/faults', { endpoint: '*', kind: 'error', code: 2, times: 3 });
    expect(await graph('GET', `/${wabaId}/phone_numbers`, token)).toMatchObject({ error: { code: 2 } });
    // What is still armed: the fault has met one call of its three.
    expect((await call('GET', '/_sandbox/faults')).body).toEqual([{ endpoint: '*', kind: 'error', code: 2, times: 2 }]);
    await call('DELETE', '/_sandbox/faults');
    expect((await call('GET', '/_sandbox/faults')).body).toEqual([]);
    expect(await graph('GET', `/${wabaId}/phone_numbers`, token)).toEqual({ data: [] });
    // A fault on an endpoint the sandbox does not serve would never fire: refused, naming the ones it does.
    const typo = await call('POST', '/_sandbox/faults', { endpoint: 'POST /request_cod', kind: 'error', code: 131000 });
    expect(typo.status).toBe(400);
    expect(JSON.stringify(typo.body)).toContain(
      'fault endpoint \\"POST /request_cod\\" is no Graph endpoint the sandbox serves',
    );
    expect(JSON.stringify(typo.body)).toContain('POST /request_code');
    const field = await call('POST', '/_sandbox/faults', { endpoint: 'phone_number_name', kind: 'drop_webhook' });
    expect(field.status).toBe(400);
    expect(JSON.stringify(field.body)).toContain('no webhook field the sandbox sends');
    for (const endpoint of ['POST /{phone-number-id}/request_code', 'GET /phone_number', 'GET /{waba-id}']) {
      expect((await call('POST', '/_sandbox/faults', { endpoint, kind: 'latency', latencyMs: 1 })).status).toBe(200);
    }
    await call('DELETE', '/_sandbox/faults');
    // A restriction the receiver does not know would reach journeys as nothing Meta sends: refused, naming the known.
    const bogus = await call('POST', `/_sandbox/wabas/${wabaId}/restrictions`, { restrictionType: 'bogus' });
    expect(bogus.status).toBe(400);
    expect(JSON.stringify(bogus.body)).toContain('RESTRICTED_ADD_PHONE_NUMBER_ACTION');
    const known = { restrictionType: 'RESTRICTED_BIZ_INITIATED_MESSAGING' };
    expect((await call('POST', `/_sandbox/wabas/${wabaId}/restrictions`, known)).status).toBe(200);
  });

  it('answers bad admin input with 400 and an unknown admin route with 404', async () => {
    const bad = await call('POST', '/_sandbox/wabas', {});
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: { message: expect.stringContaining('portfolioId') } });
    // An id numberflow would refuse everywhere is refused here, not made.
    for (const [path, body] of [
      ['/_sandbox/portfolios', { portfolioId: 'abc' }],
      ['/_sandbox/wabas', { portfolioId: '100200300', wabaId: 'waba-1' }],
    ] as const) {
      const notAnId = await call('POST', path, body);
      expect(notAnId.status).toBe(400);
      expect(JSON.stringify(notAnId.body)).toContain('must be a Graph id: digits only');
    }
    const refused = await call('DELETE', '/_sandbox/numbers/123');
    expect(refused).toEqual({ status: 400, body: { error: { message: 'no phone number with id 123' } } });
    const malformed = await request(`${sandbox.url}/_sandbox/portfolios`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(malformed.statusCode).toBe(400);
    await malformed.body.dump();
    expect((await call('GET', '/_sandbox/nothing')).status).toBe(404);
    // The admin root took the Graph route (its id "_sandbox") and failed with an error logged: not found now.
    for (const path of ['/_sandbox/', '/_sandbox']) expect((await call('GET', path)).status, path).toBe(404);
  });
});
