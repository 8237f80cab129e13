// POST /v1/signups over real HTTP: the onboarding service hands over the popup's answer; the service exchanges the
// code, stores the token, subscribes the app and adopts each number (dev server, worker, Graph sandbox, SQLite).
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { JourneyView } from '../../src/domain/journey.js';
import { useBench } from '../support/bench.js';
import { customerWaba, popupAnswer, useStores } from '../support/intake.js';
import { leaked } from '../support/secrets-scan.js';
import { OTHER_PORTFOLIO, useApi } from './support.js';

interface SignupAnswer {
  wabaId: string;
  signupExpiresAt: string;
  repeated: boolean;
  journeys: { phoneNumberId: string; e164: string | null; workflowId: string | null; outcome: string }[];
}
interface ErrorAnswer {
  error: { code: string; message: string; problems: { field: string; message: string }[]; reason?: string };
}

describe('Embedded Signup over the API: POST /v1/signups (dev server, worker, Graph sandbox)', () => {
  const s = useStores();
  const t = useBench('dev', () => ({ tokenStore: s.stores.tokens }));
  const logLines: string[] = [];
  const api = useApi(t, {
    signups: () => ({ graph: t.bench.graph, tokens: s.stores.tokens, ledger: s.ledger }),
    logger: pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) }),
  });
  const bare = useApi(t); // a service process without the stores

  it('exchanges the code, keeps the token, adopts the numbers with the 14-day window; the same code answers again', async () => {
    const customer = await customerWaba(t.bench, 1);
    const body = popupAnswer(t.bench, customer);
    await t.bench.run(async () => {
      const answer = await api.call<SignupAnswer>('POST', '/v1/signups', { as: 'onboarding', body });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ wabaId: customer.wabaId, repeated: false });
      expect(answer.body.journeys).toEqual([
        expect.objectContaining({
          e164: customer.e164s[0],
          outcome: 'started',
          workflowId: `number:${customer.e164s[0]}`,
        }),
      ]);
      expect(await s.stores.tokens.get(customer.wabaId)).toMatch(/./);
      const view: JourneyView = await api.until(
        customer.e164s[0] as string,
        (v) => v.deadlines.signupExpiresAt !== null,
        'adopted',
      );
      expect(view.deadlines.signupExpiresAt).toBe(answer.body.signupExpiresAt);
      expect(view.phoneNumberId).toBe(customer.phoneNumberIds[0]);

      const again = await api.call<SignupAnswer>('POST', '/v1/signups', { as: 'onboarding', body });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ repeated: true, signupExpiresAt: answer.body.signupExpiresAt });
      expect(t.bench.sandbox.admin.calls().filter((c) => c.endpoint === 'GET /oauth/access_token')).toHaveLength(1);
      // The service logged the requests (by path, with the principal), never the code or the customer's token.
      const token = (await s.stores.tokens.get(customer.wabaId)) as string;
      expect(logLines.some((line) => line.includes('"path":"/v1/signups"'))).toBe(true);
      // Each signup's outcome, for auditors: who signed up which WABA, and what came of it.
      const outcomes = logLines
        .map((line) => JSON.parse(line) as { signup?: object; msg: string })
        .filter((l) => l.signup);
      expect(outcomes.map((l) => [l.msg, l.signup])).toEqual(
        [false, true].map((repeated) => [
          'signup finished',
          {
            wabaId: customer.wabaId,
            businessId: body.businessId,
            numbers: 1,
            principal: expect.any(String),
            repeated,
            journeys: { started: 1 },
          },
        ]),
      );
      // A refused one too, with why (the same code for other numbers).
      const refused = await api.call<ErrorAnswer>('POST', '/v1/signups', {
        as: 'onboarding',
        body: { ...body, phoneNumberIds: ['123456789'] },
      });
      expect(refused.status).toBe(409);
      expect(logLines.some((line) => line.includes('"refused":"code-used"'))).toBe(true);
      expect(logLines.join('\n')).toMatch(
        /"msg":"signup refused: this Embedded Signup code was already used by another signup/,
      );
      expect(leaked(logLines.join('\n') + JSON.stringify([answer.body, again.body]), [body.code, token])).toEqual([]);
    });
  });

  it('takes signups from the onboarding role in its portfolios, refuses bad bodies without echoing the code', async () => {
    const customer = await customerWaba(t.bench, 1);
    const body = popupAnswer(t.bench, customer);
    expect((await api.call('POST', '/v1/signups', { as: 'operator', body })).status).toBe(403);
    const elsewhere = await api.call<ErrorAnswer>('POST', '/v1/signups', { as: 'elsewhere', body });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.error.message).toBe(`ops@elsewhere may not sign up in portfolio ${t.bench.portfolioId}`);
    expect(elsewhere.body.error.reason).toBeUndefined(); // the route's own refusal, not the intake's
    const bad = await api.call<ErrorAnswer>('POST', '/v1/signups', {
      as: 'onboarding',
      body: { ...body, phoneNumberIds: [], wabaId: 'w' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.problems.map((p) => p.field).sort()).toEqual(['phoneNumberIds', 'wabaId']);
    expect(JSON.stringify(bad.body)).not.toContain(body.code);
    // Display names are checked before the code is spent: one for a number not in the signup, one the rule refuses.
    const [id] = customer.phoneNumberIds as [string];
    const names = await api.call<ErrorAnswer>('POST', '/v1/signups', {
      as: 'onboarding',
      body: { ...body, displayNames: { [id]: 'WhatsApp Official', '999': 'Acme Shop' } },
    });
    expect(names.status).toBe(400);
    expect(names.body.error.problems).toEqual([
      { in: 'body', field: `displayNames.${id}`, message: expect.stringMatching(/WhatsApp/) },
      { in: 'body', field: 'displayNames.999', message: 'names a number phoneNumberIds does not' },
    ]);
    const [first] = body.phoneNumberIds as [string];
    const twice = await api.call<ErrorAnswer>('POST', '/v1/signups', {
      as: 'onboarding',
      body: { ...body, phoneNumberIds: [first, first] },
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error.problems).toEqual([
      { in: 'body', field: 'phoneNumberIds.1', message: 'repeats phoneNumberIds.0' },
    ]);
    expect(await s.stores.tokens.get(customer.wabaId)).toBeUndefined(); // nothing exchanged
    const unconfigured = await bare.call<ErrorAnswer>('POST', '/v1/signups', { as: 'onboarding', body });
    expect(unconfigured.status).toBe(501);
    expect(unconfigured.body.error).toMatchObject({ code: 'not_configured' });
  });

  it("keeps a WABA's token from a principal of another portfolio, without naming the WABA's owner", async () => {
    const customer = await customerWaba(t.bench, 1); // the bench's portfolio owns it
    const stored = t.bench.sandbox.admin.issueToken({ wabaIds: [customer.wabaId] });
    await s.stores.tokens.put(customer.wabaId, stored, { source: 'manual', by: 'admin@bench' });
    // A code for the WABA, sent in the principal's own portfolio: the owner is read with the new token first.
    const body = { ...popupAnswer(t.bench, customer), businessId: OTHER_PORTFOLIO };
    t.bench.sandbox.admin.clearCalls();
    for (let attempt = 0; attempt < 2; attempt++) {
      const refused = await api.call<ErrorAnswer>('POST', '/v1/signups', { as: 'elsewhere', body });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({ code: 'forbidden', reason: 'waba-outside-portfolios' });
      expect(refused.body.error.message).toBe(
        `WABA ${customer.wabaId} is owned by a business outside the portfolios this principal may use: the new token is not kept (a token stored for the WABA stays) — the signup is for an onboarding principal of the WABA's portfolio, or one not limited to portfolios`,
      );
    }
    expect(await s.stores.tokens.get(customer.wabaId)).toBe(stored);
    expect(await s.stores.tokens.list()).toContainEqual(
      expect.objectContaining({ wabaId: customer.wabaId, source: 'manual', by: 'admin@bench' }),
    );
    expect(t.bench.sandbox.admin.calls().filter((c) => c.endpoint === 'GET /oauth/access_token')).toHaveLength(1);
  });

  it('answers 410 to a code exchanged after its 30 seconds, again on a retry, storing no token', async () => {
    const customer = await customerWaba(t.bench, 1);
    const body = popupAnswer(t.bench, customer);
    t.bench.sandbox.admin.advanceClock(30_000);
    for (let attempt = 0; attempt < 2; attempt++) {
      const expired = await api.call<ErrorAnswer>('POST', '/v1/signups', { as: 'onboarding', body });
      expect(expired.status).toBe(410);
      expect(expired.body.error).toMatchObject({ code: 'refused', reason: 'code-expired' });
      expect(expired.body.error.message).toMatch(/expired before it was exchanged \(codes live 30 seconds\)/);
    }
    expect(await s.stores.tokens.get(customer.wabaId)).toBeUndefined();
  });

  it('answers 409 code-used to another signup sent with a used code, apart from the same signup sent again', async () => {
    const customer = await customerWaba(t.bench, 2);
    const body = popupAnswer(t.bench, customer);
    expect((await api.call('POST', '/v1/signups', { as: 'onboarding', body })).status).toBe(200);
    const [, second] = customer.phoneNumberIds as [string, string];
    const other = await api.call<ErrorAnswer>('POST', '/v1/signups', {
      as: 'onboarding',
      body: { ...body, phoneNumberIds: [second] },
    });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'conflict', reason: 'code-used', problems: [] });
    expect(other.body.error.message).toMatch(/already used by another signup .* run Embedded Signup again/);
  });
});
