import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { useBench } from '../support/bench.js';
import { roleNames, useApi, type CallOptions } from './support.js';

type Caller = (typeof roleNames)[number] | 'no token' | 'unknown token';
const callers: Caller[] = [...roleNames, 'no token', 'unknown token'];

describe('who may call what (dev server, worker, Graph sandbox)', () => {
  const t = useBench('dev');
  const api = useApi(t, { webhookInbox: true });

  it('answers every endpoint × every role, and callers without a valid token, as the roles say', async () => {
    await t.bench.run(async () => {
      // Reads go to a journey that has ended (its event stream ends at once); actions to it are answered 409, which
      // shows the caller was let through: it is the journey that takes no more input.
      const e164 = await api.start();
      await api.until(e164, (v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      await api.call('POST', `/v1/journeys/${e164}/cancel`, { as: 'operator', body: { reason: 'role table' } });
      await api.until(e164, (v) => v.result !== null, 'ended');
      const portfolio = t.bench.portfolioId;

      const allRead = { onboarding: 200, operator: 200, admin: 200, auditor: 200 };
      const operate = { onboarding: 403, operator: 409, admin: 409, auditor: 403 };
      const audit = { onboarding: 403, operator: 403, admin: 200, auditor: 200 };
      const endpoints: { call: string; body?: unknown; allowed: Record<(typeof roleNames)[number], number> }[] = [
        { call: 'GET /v1/journeys', allowed: allRead },
        {
          call: 'POST /v1/journeys',
          body: () => api.startBody(),
          allowed: { onboarding: 201, operator: 403, admin: 403, auditor: 403 },
        },
        {
          call: 'POST /v1/journeys:batch',
          body: () => ({ rows: [api.startBody()] }),
          allowed: { onboarding: 200, operator: 403, admin: 403, auditor: 403 },
        },
        { call: `GET /v1/journeys/summary?portfolioId=${portfolio}`, allowed: allRead },
        {
          // This service has no token store for signups: the roles let the onboarding role through to its 501.
          call: 'POST /v1/signups',
          body: { code: 'c', wabaId: '1', phoneNumberIds: ['2'], businessId: portfolio },
          allowed: { onboarding: 501, operator: 403, admin: 403, auditor: 403 },
        },
        { call: `GET /v1/journeys/${e164}`, allowed: allRead },
        { call: `GET /v1/journeys/${e164}/runs`, allowed: allRead },
        { call: `GET /v1/journeys/${e164}/events`, allowed: allRead },
        { call: `POST /v1/journeys/${e164}/otp`, body: { code: '123456' }, allowed: operate },
        { call: `POST /v1/journeys/${e164}/pin`, body: { pin: '123456' }, allowed: operate },
        { call: `POST /v1/journeys/${e164}/display-name`, body: { displayName: 'Acme Help' }, allowed: operate },
        { call: `POST /v1/journeys/${e164}/resend`, body: {}, allowed: operate },
        { call: `POST /v1/journeys/${e164}/cancel`, body: { reason: 'again' }, allowed: operate },
        {
          call: `POST /v1/journeys/${e164}/removal`,
          body: { reason: 'retired' },
          allowed: { onboarding: 403, operator: 403, admin: 409, auditor: 403 },
        },
        { call: `POST /v1/journeys/${e164}/deletion-confirmation`, body: {}, allowed: operate },
        {
          call: `POST /v1/journeys/${e164}/pin-reveal`,
          body: { reason: 'role table' },
          allowed: { onboarding: 403, operator: 403, admin: 409, auditor: 403 },
        },
        { call: `POST /v1/journeys/${e164}/identity-check`, body: { enabled: true }, allowed: operate },
        { call: `POST /v1/journeys/${e164}/test-message`, body: { to: '15550001111' }, allowed: operate },
        { call: `POST /v1/numbers/${e164}/messages`, body: { to: '15550001111', text: 'hi' }, allowed: operate },
        { call: `GET /v1/numbers/${e164}/identities`, allowed: allRead },
        { call: `GET /v1/numbers/${e164}/identities/15550001111`, allowed: audit },
        {
          // The journey was cancelled above: a caller let through is told a number that sends no more takes none.
          call: `POST /v1/numbers/${e164}/identities/15550001111/confirmation`,
          body: { method: 'phone_call' },
          allowed: { onboarding: 403, operator: 409, admin: 409, auditor: 403 },
        },
        { call: `GET /v1/journeys/${e164}/audit`, allowed: audit },
        { call: `GET /v1/portfolios/${portfolio}`, allowed: allRead },
        { call: `GET /v1/portfolios/${portfolio}/export?since=2026-01-01`, allowed: audit },
        {
          call: `PUT /v1/portfolios/${portfolio}/cap`,
          body: { cap: 1000, reason: 'as it was' },
          allowed: { onboarding: 403, operator: 403, admin: 200, auditor: 403 },
        },
        {
          call: `POST /v1/portfolios/${portfolio}/reconcile`,
          body: { reason: 'role table' },
          allowed: { onboarding: 403, operator: 403, admin: 200, auditor: 403 },
        },
        {
          call: 'GET /v1/webhooks/dead-letters',
          allowed: { onboarding: 403, operator: 403, admin: 200, auditor: 403 },
        },
        {
          // The inbox has no dead letters: an admin let through is told there is no such one.
          call: 'POST /v1/webhooks/dead-letters/987654321/replay',
          body: {},
          allowed: { onboarding: 403, operator: 403, admin: 404, auditor: 403 },
        },
        {
          call: 'DELETE /v1/webhooks/dead-letters/987654321',
          allowed: { onboarding: 403, operator: 403, admin: 404, auditor: 403 },
        },
      ];

      const expected: Record<string, Record<Caller, number>> = {};
      const answered: Record<string, Partial<Record<Caller, number>>> = {};
      const refusals: string[] = [];
      for (const endpoint of endpoints) {
        const [method, path] = endpoint.call.split(' ') as [string, string];
        expected[endpoint.call] = { ...endpoint.allowed, 'no token': 401, 'unknown token': 401 };
        const row: Partial<Record<Caller, number>> = {};
        answered[endpoint.call] = row;
        for (const caller of callers) {
          const as: CallOptions['as'] =
            caller === 'no token' ? null : caller === 'unknown token' ? { token: `nf_${randomUUID()}` } : caller;
          const body = typeof endpoint.body === 'function' ? (endpoint.body as () => unknown)() : endpoint.body;
          const headers: Record<string, string> =
            method === 'POST' && path === '/v1/journeys' ? { 'idempotency-key': randomUUID() } : {};
          const answer = await api.call<{ error?: { code: string; message: string } }>(method, path, {
            as,
            body,
            headers,
          });
          // Sent but not yet taken (a cap, a reconciliation, on a slow machine) is let through all the same.
          row[caller] = answer.status === 202 ? 200 : answer.status;
          if (answer.status === 401 && answer.headers.get('www-authenticate') !== 'Bearer realm="numberflow"') {
            refusals.push(`${endpoint.call} as ${caller}: 401 without WWW-Authenticate: Bearer`);
          }
          if (
            answer.status === 403 &&
            !/^this needs the (onboarding|operator or admin|admin|auditor or admin) role/.test(
              answer.body.error?.message ?? '',
            )
          ) {
            refusals.push(
              `${endpoint.call} as ${caller}: 403 not naming the role needed (${answer.body.error?.message})`,
            );
          }
        }
      }
      expect(answered).toEqual(expected);
      expect(refusals).toEqual([]);
    });
  });

  it('tells a caller whose Authorization header is not Bearer <token> how to send it, not that the token is unknown', async () => {
    const operator = api.tokens.operator as string;
    for (const authorization of [operator, `Basic ${Buffer.from(`x:${operator}`).toString('base64')}`, 'Bearer']) {
      const answer = await api.call<{ error: { message: string } }>('GET', '/v1/journeys', {
        as: null,
        headers: { authorization },
      });
      expect([answer.status, answer.body.error.message], authorization.slice(0, 6)).toEqual([
        401,
        'the Authorization header must be Bearer <token> (one token, no other scheme)',
      ]);
    }
  });

  it('takes no token from an Authorization header sent twice (a proxy in front may have read the other)', async () => {
    const [auditor, admin] = [api.tokens.auditor as string, api.tokens.admin as string];
    for (const pair of [
      [auditor, admin],
      [admin, auditor],
    ]) {
      const answer = await request(`${api.url}/v1/webhooks/dead-letters`, {
        headers: ['authorization', `Bearer ${pair[0]}`, 'authorization', `Bearer ${pair[1]}`],
      });
      expect(answer.statusCode).toBe(401);
      expect(((await answer.body.json()) as { error: { message: string } }).error.message).toBe(
        'the Authorization header is sent more than once: send one',
      );
    }
  });
});
