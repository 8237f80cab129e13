import { WorkflowNotFoundError } from '@temporalio/client';
import { inject, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { journeyQuery, SIGNUP_WINDOW_MS, type JourneyView } from '../../src/domain/journey.js';
import { capabilityUpdateSignal, portfolioWorkflowId } from '../../src/domain/portfolio.js';
import { journeyTimeline } from '../../src/audit/index.js';
import { IntakeError } from '../../src/intake/errors.js';
import type { TokenStore } from '../../src/stores/token-store.js';
import { StoreUnavailableError } from '../../src/stores/unavailable.js';
import { parseSignupRequest, signup, signupCodeHash, TOKEN_CHECK_PAUSES_MS } from '../../src/intake/signup.js';
import { buildCli } from '../../src/starter.js';
import { APP_SECRET } from '../support/harness.js';
import { useBench } from '../support/bench.js';
import { customerWaba, popupAnswer, signupDeps, useStores } from '../support/intake.js';
import { runCli } from '../support/processes.js';
import { TEST_CODEC_KEYS } from '../support/temporal.js';

describe('Embedded Signup intake (dev server + Graph sandbox + the SQLite token store)', () => {
  const s = useStores();
  const logLines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
  const t = useBench('dev', () => ({ tokenStore: s.stores.tokens, logger, sandbox: { logger } }));
  const deps = () => signupDeps(t, s);
  const calls = (endpoint: string) => t.bench.sandbox.admin.calls().filter((c) => c.endpoint === endpoint);
  const EXCHANGE = 'GET /oauth/access_token';

  async function journeyOf(e164: string, until: (v: JourneyView) => boolean): Promise<JourneyView> {
    const handle = t.env.client.workflow.getHandle(`number:${e164}`);
    let view: JourneyView | undefined;
    for (let i = 0; i < 600; i++) {
      view = await handle.query(journeyQuery).catch(() => undefined);
      if (view && until(view)) return view;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the journey of ${e164} never got there; last seen ${JSON.stringify(view?.stage)}`);
  }

  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('the signup was not refused');
      },
      (err: unknown) => {
        expect(err).toBeInstanceOf(IntakeError);
        return err as IntakeError;
      },
    );

  it('exchanges the code once, stores the token, subscribes the app and adopts each number with its 14-day window', async () => {
    const customer = await customerWaba(t.bench, 2);
    const body = popupAnswer(t.bench, customer);
    t.bench.sandbox.admin.clearCalls();
    await t.bench.run(async () => {
      const before = Date.now();
      const outcome = await signup(deps(), body, 'onboarding-service');
      expect(outcome).toMatchObject({ wabaId: customer.wabaId, businessId: t.bench.portfolioId, repeated: false });
      expect(Date.parse(outcome.signupAt)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(outcome.signupExpiresAt)).toBe(Date.parse(outcome.signupAt) + SIGNUP_WINDOW_MS);
      expect(outcome.journeys).toEqual(
        customer.phoneNumberIds.map((phoneNumberId, i) => ({
          phoneNumberId,
          e164: customer.e164s[i],
          workflowId: `number:${customer.e164s[i]}`,
          outcome: 'started',
          problem: null,
        })),
      );
      expect(await s.stores.tokens.list()).toContainEqual({
        wabaId: customer.wabaId,
        source: 'signup',
        by: 'onboarding-service',
        keyId: expect.stringMatching(/^store-[0-9a-f]{8}$/), // the data folder's own key
        storedAt: expect.any(String),
      });
      expect(calls(EXCHANGE)).toHaveLength(1);
      expect(calls('POST /{waba-id}/subscribed_apps')).toHaveLength(1);
      expect(await t.bench.graph.listSubscribedApps(customer.wabaId)).toHaveLength(1);
      for (const [i, e164] of customer.e164s.entries()) {
        // Adopted by its phone_number_id where Meta stands (added, not verified): on to its code.
        const view = await journeyOf(e164, (v) => v.stage === 'AWAITING_OTP');
        expect(view).toMatchObject({ phoneNumberId: customer.phoneNumberIds[i], wabaId: customer.wabaId });
        expect(view.deadlines.signupExpiresAt).toBe(outcome.signupExpiresAt);
        // An auditor reads where the journey came from.
        const started = (await journeyTimeline(t.env.client, e164)).entries.find((e) => e.what.startsWith('started'));
        expect(started?.what).toContain(`its Embedded Signup at ${outcome.signupAt} (14-day window)`);
      }

      const again = await signup(deps(), body, 'onboarding-service');
      expect(again).toEqual({ ...outcome, repeated: true });
      expect(calls(EXCHANGE)).toHaveLength(1);
      for (const e164 of customer.e164s) {
        await t.env.client.workflow.getHandle(`number:${e164}`).terminate('test done');
      }
    });
  });

  it('starts a number refused for its display name when the same signup comes again naming it anew, and nothing else', async () => {
    // Meta shows the first number's name with a character lost on its way (U+FFFD): the rule refuses it.
    const customer = await customerWaba(t.bench, 2, ['Acme \uFFFD Help']);
    const [refusedId, goodId] = customer.phoneNumberIds as [string, string];
    const body = popupAnswer(t.bench, customer);
    await t.bench.run(async () => {
      const first = await signup(deps(), body, 'svc');
      expect(first.journeys.map((j) => [j.outcome, j.problem?.startsWith('displayName:') ?? null])).toEqual([
        ['refused', true],
        ['started', null],
      ]);
      // The good number's journey ends: a repeat of the signup must not start it again.
      await t.env.client.workflow.getHandle(`number:${customer.e164s[1] as string}`).terminate('ended meanwhile');
      // A name the rule refuses: a bad request, before anything is looked up or asked of Meta.
      t.bench.sandbox.admin.clearCalls();
      const stillBad = signup(deps(), { ...body, displayNames: { [refusedId]: 'Acme 😀' } }, 'ops');
      await expect(stillBad).rejects.toThrow(new RegExp(`^invalid signup: displayNames\\.${refusedId}: `));
      expect(t.bench.sandbox.admin.calls()).toEqual([]);
      const codeHash = signupCodeHash(body.code);
      const probe = { wabaId: customer.wabaId, state: 'claimed', updatedAt: new Date().toISOString() } as never;
      const refusedRecord = await s.ledger.claim(codeHash, probe); // the stored record, as it stands
      const again = await signup(deps(), { ...body, displayNames: { [refusedId]: 'Acme Help' } }, 'ops');
      expect(again.repeated).toBe(true);
      expect(again.journeys.map((j) => [j.phoneNumberId, j.outcome])).toEqual([
        [refusedId, 'started'],
        [goodId, 'started'], // as answered before: not started again
      ]);
      // No exchange or subscription again (the started journey makes Graph calls of its own, its WABA's owner too).
      for (const endpoint of [EXCHANGE, 'POST /{waba-id}/subscribed_apps'])
        expect(calls(endpoint), endpoint).toEqual([]);
      // Meta's name is the one it has not approved: the journey asks Meta for the name the signup gave.
      const renamedView = await journeyOf(customer.e164s[0] as string, (v) => v.stage === 'AWAITING_OTP');
      expect(renamedView.displayName).toEqual({
        current: 'Acme \uFFFD Help',
        pending: 'Acme Help',
        status: 'PENDING_REVIEW',
      });
      const ended = await t.env.client.workflow.getHandle(`number:${customer.e164s[1] as string}`).describe();
      expect(ended.status.name).toBe('TERMINATED');
      // A rename whose write was lost (the record still says refused), its journey ended since: found, not started
      // again (a journey's id may be started again once its run has ended).
      const renamed = t.env.client.workflow.getHandle(`number:${customer.e164s[0] as string}`);
      await renamed.terminate('ended meanwhile');
      await s.ledger.save(codeHash, refusedRecord as NonNullable<typeof refusedRecord>);
      const found = await signup(deps(), { ...body, displayNames: { [refusedId]: 'Acme Help' } }, 'ops');
      expect(found.journeys[0]).toMatchObject({ outcome: 'started', workflowId: again.journeys[0]?.workflowId });
      expect((await renamed.describe()).status.name).toBe('TERMINATED');
      // Nothing refused any more: the same answer again, whatever names it gives, and no number read at Meta.
      t.bench.sandbox.admin.clearCalls();
      expect(await signup(deps(), body, 'svc')).toEqual(found);
      expect(await signup(deps(), { ...body, displayNames: { [refusedId]: 'Acme Help' } }, 'ops')).toEqual(found);
      expect(calls('GET /{phone-number-id}')).toEqual([]);
    });
  });

  it('starts nothing when the same signup names a refused number anew after its 14-day window closed', async () => {
    const customer = await customerWaba(t.bench, 1, ['Acme \uFFFD Help']);
    const [refusedId] = customer.phoneNumberIds as [string];
    const body = popupAnswer(t.bench, customer);
    await t.bench.run(async () => {
      const first = await signup(deps(), body, 'svc');
      expect(first.journeys.map((j) => j.outcome)).toEqual(['refused']);
      // Fifteen days on (by this host's clock): a journey started now would ask Meta for the name, then expire.
      const later = { ...deps(), now: () => new Date(Date.now() + 15 * 24 * 60 * 60 * 1000) };
      t.bench.sandbox.admin.clearCalls();
      const again = await signup(later, { ...body, displayNames: { [refusedId]: 'Acme Help' } }, 'ops');
      expect(again.journeys).toEqual([
        expect.objectContaining({
          phoneNumberId: refusedId,
          outcome: 'refused',
          problem: expect.stringMatching(
            /^the 14-day Embedded Signup window of this signup closed at \S+: nothing was started \(a journey would end SIGNUP_EXPIRED\); run Embedded Signup again/,
          ),
        }),
      ]);
      expect(calls('POST /{phone-number-id}')).toEqual([]); // no name asked of Meta
      await expect(t.env.client.workflow.getHandle(`number:${customer.e164s[0] as string}`).describe()).rejects.toThrow(
        WorkflowNotFoundError,
      );
    });
  });

  it('starts a number another journey held when the same signup comes again once that journey has ended', async () => {
    const customer = await customerWaba(t.bench, 1);
    const [phoneNumberId] = customer.phoneNumberIds as [string];
    const e164 = customer.e164s[0] as string;
    const body = popupAnswer(t.bench, customer);
    await t.bench.run(async () => {
      // Started before the signup, without its phone_number_id (an import's row): not the signup's journey.
      // An import's row held at the portfolio's cap: its journey has no phone_number_id yet.
      const portfolio = t.env.client.workflow.getHandle(portfolioWorkflowId(t.bench.portfolioId));
      const cap = (maxPhoneNumbers: number) =>
        portfolio.signal(capabilityUpdateSignal, { maxPhoneNumbers, source: 'admin', actor: 'admin@test' });
      await cap(1);
      const filler = await t.bench.start(t.bench.input());
      await filler.until(
        (v) => v.stage !== 'WAITING_FOR_CAPACITY' || v.waiting?.reason.includes('queue') === true,
        'admitted or queued',
      );
      const other = await t.bench.start(t.bench.input({ phoneNumber: e164, wabaId: customer.wabaId }));
      // It waits for the WABA's token first (the signup stores it), then in the queue.
      await other.until((v) => v.stage === 'WAITING_FOR_CAPACITY' && v.waiting !== null, 'waiting');
      const first = await signup(deps(), body, 'svc');
      expect(first.journeys).toEqual([
        {
          phoneNumberId,
          e164,
          workflowId: null,
          outcome: 'refused',
          problem: `${e164} already has a journey in progress (number:${e164}), not started by this signup: once it has ended (or is cancelled), send the same signup again`,
        },
      ]);
      await t.env.client.workflow.getHandle(`number:${e164}`).terminate('cancelled by the operator');
      await t.env.client.workflow.getHandle(filler.workflowId).terminate('test done');
      await cap(1000);
      const again = await signup(deps(), body, 'svc');
      expect(again.journeys).toMatchObject([{ phoneNumberId, outcome: 'started', problem: null }]);
      const view = await journeyOf(e164, (v) => v.stage === 'AWAITING_OTP');
      expect(view).toMatchObject({ phoneNumberId, deadlines: { signupExpiresAt: first.signupExpiresAt } });
      await t.env.client.workflow.getHandle(`number:${e164}`).terminate('test done');
    });
  });

  it("refuses a number of another WABA by Meta's code alone: Meta's words may name a WABA the caller does not know", async () => {
    const [customer, other] = [await customerWaba(t.bench, 1), await customerWaba(t.bench, 1)];
    const elsewhere = other.phoneNumberIds[0] as string;
    const outcome = await signup(
      deps(),
      { ...popupAnswer(t.bench, customer), phoneNumberIds: [elsewhere] },
      'onboarding-service',
    );
    const [refused] = outcome.journeys;
    expect(refused).toMatchObject({ phoneNumberId: elsewhere, outcome: 'refused', workflowId: null });
    expect(refused?.problem).toMatch(
      new RegExp(`^Meta does not show phone_number_id ${elsewhere} on WABA ${customer.wabaId} \\(Meta error \\d+`),
    );
    expect(refused?.problem).not.toContain(other.wabaId);
  });

  it('refuses a code used by another signup, and one Meta already exchanged, saying to run Embedded Signup again', async () => {
    const customer = await customerWaba(t.bench, 1);
    const body = popupAnswer(t.bench, customer);
    const { code } = body;
    const other = await customerWaba(t.bench, 1);
    await t.bench.run(async () => {
      // The first signup with the code stops at its WABA's owner (a wrong business id): the code is spent, the token
      // stored; the same signup sent again with another wrong id is refused alike, with the right one it finishes.
      const exchanges = calls(EXCHANGE).length;
      const first = await refusal(signup(deps(), { ...body, businessId: '999' }, 'svc'));
      expect(first.kind).toBe('business-mismatch');
      expect(first.message).toMatch(
        new RegExp(
          `WABA ${customer.wabaId} belongs to business portfolio ${t.bench.portfolioId} .*send the same signup again`,
        ),
      );
      expect((await refusal(signup(deps(), { ...body, businessId: '998' }, 'svc'))).kind).toBe('business-mismatch');
      // Corrections at once: one goes on; the others are answered as under way, or as a repeat if they came later.
      const both = await Promise.allSettled([1, 2, 3].map(() => signup(deps(), body, 'svc')));
      const went = both.flatMap((r) => (r.status === 'fulfilled' && !r.value.repeated ? [r.value] : []));
      expect(went).toHaveLength(1);
      const corrected = went[0] as Awaited<ReturnType<typeof signup>>;
      for (const other of both) {
        if (other.status === 'rejected') expect((other.reason as IntakeError).kind).toBe('in-progress');
      }
      expect(corrected).toMatchObject({ businessId: t.bench.portfolioId, repeated: false });
      expect(corrected.journeys.map((j) => j.outcome)).toEqual(['started']);
      expect(calls(EXCHANGE).length).toBe(exchanges + 1);
      expect(await signup(deps(), body, 'svc')).toEqual({ ...corrected, repeated: true });
      await t.env.client.workflow.getHandle(`number:${customer.e164s[0]}`).terminate('test done');
      const second = await refusal(
        signup(deps(), { ...body, wabaId: other.wabaId, phoneNumberIds: other.phoneNumberIds }, 'svc'),
      );
      expect(second.kind).toBe('code-used');
      expect(second.httpStatus).toBe(409);
      expect(second.message).toMatch(/already used by another signup .*run Embedded Signup again/);
      expect(second.message).not.toContain(code);

      // A code exchanged elsewhere first: Meta says it was used.
      const spentElsewhere = popupAnswer(t.bench, other);
      const spent = spentElsewhere.code;
      await t.bench.graph.exchangeSignupCode(spent);
      const third = await refusal(signup(deps(), spentElsewhere, 'svc'));
      expect(third.kind).toBe('code-used');
      expect(third.message).toMatch(/Meta says this Embedded Signup code was already used/);
      expect(third.message).not.toContain(spent);

      // A code Meta does not take as one: the code is named, not the app's settings.
      const garbled = await refusal(signup(deps(), { ...popupAnswer(t.bench, other), code: 'not-a-code' }, 'svc'));
      expect(garbled.kind).toBe('exchange-refused');
      expect(garbled.message).toMatch(/refused the Embedded Signup code itself .*send the code FB.login's callback/);
      expect(garbled.message).not.toMatch(/META_APP_ID/);
      // The same code with other numbers is refused as it was, not as used by another signup (it never was).
      const garbledAgain = await refusal(
        signup(deps(), { ...popupAnswer(t.bench, customer), code: 'not-a-code' }, 'svc'),
      );
      expect(garbledAgain).toMatchObject({ kind: 'exchange-refused', message: garbled.message });
    });
  });

  it("waits a few seconds for the stores' database to keep the exchanged token, then says the signup cannot be finished", async () => {
    const away = () => new StoreUnavailableError('postgres://db/numberflow', new Error('connect ECONNREFUSED'));
    const flaky = (failures: number): TokenStore => ({
      get: (wabaId) => s.stores.tokens.get(wabaId),
      put: (wabaId, token, origin) =>
        failures-- > 0 ? Promise.reject(away()) : s.stores.tokens.put(wabaId, token, origin),
      delete: (wabaId) => s.stores.tokens.delete(wabaId),
      list: () => s.stores.tokens.list(),
    });
    await t.bench.run(async () => {
      // A restart of a moment: kept on the third try, and the signup goes on.
      const blip = await customerWaba(t.bench, 1);
      const outcome = await signup({ ...deps(), tokens: flaky(2) }, popupAnswer(t.bench, blip), 'svc');
      expect(outcome.journeys.map((j) => j.outcome)).toEqual(['started']);
      await t.env.client.workflow.getHandle(`number:${blip.e164s[0]}`).terminate('test done');
      // Away for longer: the code is spent, said at once as such — not as something to send again.
      const down = popupAnswer(t.bench, await customerWaba(t.bench, 1));
      const refused = await refusal(signup({ ...deps(), tokens: flaky(99) }, down, 'svc'));
      expect(refused).toMatchObject({ kind: 'incomplete', httpStatus: 410 });
      expect(refused.message).toMatch(
        /^Meta gave the customer's token, but the stores' database did not answer to keep it; the code is spent: run Embedded Signup again/,
      );
      // Its repeat is told the same at once, not "under way".
      const askedAgain = Date.now();
      const again = await refusal(signup({ ...deps(), tokens: flaky(99) }, down, 'svc'));
      expect(again).toMatchObject({ kind: 'incomplete', message: refused.message });
      expect(Date.now() - askedAgain).toBeLessThan(5_000);
    });
  }, 60_000);

  it('answers a token Meta refuses while the signup finishes as revoked, for good: sending it again cannot finish it', async () => {
    const customer = await customerWaba(t.bench, 1);
    const body = popupAnswer(t.bench, customer);
    await t.bench.run(async () => {
      // The customer removed the app between the exchange and the app's subscription.
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /{waba-id}/subscribed_apps', kind: 'error', code: 190 });
      try {
        const revoked = await refusal(signup(deps(), body, 'svc'));
        expect(revoked).toMatchObject({ kind: 'token-revoked', httpStatus: 410 });
        expect(revoked.message).toMatch(
          /^Meta refused the customer's token while subscribing .*\(error 190: .*\): it was revoked or expired since the code's exchange, so this signup cannot be finished — run Embedded Signup again/,
        );
        expect(revoked.message).not.toContain(body.code);
        // The same signup again is answered the same, without calling Meta.
        const calledBefore = t.bench.sandbox.admin.calls().length;
        expect(await refusal(signup(deps(), body, 'svc'))).toMatchObject({
          kind: 'token-revoked',
          message: revoked.message,
        });
        expect(t.bench.sandbox.admin.calls().length).toBe(calledBefore);
      } finally {
        t.bench.sandbox.admin.clearFaults();
      }
    });
  });

  it('exchanges a code once when the same signup is sent twice at once', async () => {
    const customer = await customerWaba(t.bench, 1);
    const body = popupAnswer(t.bench, customer);
    t.bench.sandbox.admin.clearCalls();
    await t.bench.run(async () => {
      const [first, second] = await Promise.allSettled([signup(deps(), body, 'svc'), signup(deps(), body, 'svc')]);
      expect(calls(EXCHANGE)).toHaveLength(1);
      const answers = [first, second].map((settled) =>
        settled.status === 'fulfilled'
          ? settled.value.repeated
            ? 'repeated'
            : 'started'
          : (settled.reason as IntakeError).kind,
      );
      // The second one in answers "being worked on" — or, if the first had already finished, the same journeys.
      expect(answers.sort()).toSatisfy(
        (a: string[]) =>
          JSON.stringify(a) === '["in-progress","started"]' || JSON.stringify(a) === '["repeated","started"]',
      );
      await t.env.client.workflow.getHandle(`number:${customer.e164s[0]}`).terminate('test done');
    });
  });

  it('finishes a signup whose subscription failed when sent again, one caller at a time', async () => {
    const customer = await customerWaba(t.bench, 1);
    const body = popupAnswer(t.bench, customer);
    t.bench.sandbox.admin.clearCalls();
    await t.bench.run(async () => {
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /{waba-id}/subscribed_apps', kind: 'error', code: 100 });
      const unfinished = await refusal(signup(deps(), body, 'svc'));
      expect(unfinished).toMatchObject({ kind: 'unfinished', httpStatus: 502 });
      expect(unfinished.message).toMatch(/the token is stored: send the same signup again to finish$/);
      t.bench.sandbox.admin.clearFaults();
      // Sent again three times at once: one takes the steps after the exchange, the others are told it is under way
      // (or, come later, get its journeys); the app is subscribed once more, not three times.
      const subscribes = calls('POST /{waba-id}/subscribed_apps').length;
      const again = await Promise.allSettled([1, 2, 3].map(() => signup(deps(), body, 'svc')));
      const went = again.flatMap((r) => (r.status === 'fulfilled' && !r.value.repeated ? [r.value] : []));
      expect(went).toHaveLength(1);
      for (const other of again)
        if (other.status === 'rejected') expect((other.reason as IntakeError).kind).toBe('in-progress');
      expect(calls('POST /{waba-id}/subscribed_apps').length).toBe(subscribes + 1);
      expect(calls(EXCHANGE)).toHaveLength(1);
      await t.env.client.workflow.getHandle(`number:${customer.e164s[0]}`).terminate('test done');
    });
  });

  it('answers Meta down at the code exchange as unanswered, and the same signup sent again exchanges the code', async () => {
    const customer = await customerWaba(t.bench, 1);
    const body = popupAnswer(t.bench, customer);
    t.bench.sandbox.admin.clearCalls();
    await t.bench.run(async () => {
      // Error 2 (Meta down) and then 4 (the app's call limit): Meta did not take the code, so neither spends it.
      for (const code of [2, 4]) {
        t.bench.sandbox.admin.injectFault({ endpoint: EXCHANGE, kind: 'error', code, times: 1 });
        const down = await refusal(signup(deps(), body, 'svc'));
        expect(down).toMatchObject({ kind: 'exchange-unanswered', httpStatus: 502 });
        expect(down.message).toMatch(
          new RegExp(
            `^Meta could not take the code exchange now \\(error ${code}: .+\\): send the signup again within the code's 30 seconds`,
          ),
        );
        expect(down.message).not.toMatch(/META_APP_SECRET/);
      }
      expect(await s.stores.tokens.get(customer.wabaId)).toBeUndefined();
      const done = await signup(deps(), body, 'svc');
      expect(done).toMatchObject({ repeated: false, journeys: [expect.objectContaining({ e164: customer.e164s[0] })] });
      expect(calls(EXCHANGE)).toHaveLength(3);
      expect(await s.stores.tokens.get(customer.wabaId)).toBeDefined();
      await t.env.client.workflow.getHandle(`number:${customer.e164s[0]}`).terminate('test done');
    });
  });

  it('checks the new token again while Meta fails for now, and fails the signup only when it still cannot (the code is spent)', async () => {
    const DEBUG = 'GET /debug_token';
    const tries = TOKEN_CHECK_PAUSES_MS.length + 1;
    // 131016: Meta's service unavailable, for as many tries as given; 100: a refusal for good, never tried again.
    for (const [code, failures, finishes, checks] of [
      [131016, tries - 1, true, tries],
      [131016, tries, false, tries],
      [100, 1, false, 1],
    ] as const) {
      const customer = await customerWaba(t.bench, 1);
      const body = popupAnswer(t.bench, customer);
      t.bench.sandbox.admin.clearCalls();
      await t.bench.run(async () => {
        t.bench.sandbox.admin.injectFault({ endpoint: DEBUG, kind: 'error', code, times: failures });
        if (finishes) {
          const done = await signup(deps(), body, 'svc');
          expect(done).toMatchObject({ repeated: false, journeys: [expect.objectContaining({ outcome: 'started' })] });
          expect(await s.stores.tokens.get(customer.wabaId)).toBeDefined();
          await t.env.client.workflow.getHandle(`number:${customer.e164s[0]}`).terminate('test done');
        } else {
          const failed = await refusal(signup(deps(), body, 'svc'));
          expect(failed.kind).toBe('exchange-unanswered');
          expect(failed.message).toMatch(
            new RegExp(`^Meta did not confirm which WABAs the new token covers \\(.*${code}`),
          );
          expect(await s.stores.tokens.get(customer.wabaId)).toBeUndefined();
        }
        expect(calls(DEBUG)).toHaveLength(checks);
        expect(calls(EXCHANGE)).toHaveLength(1);
      });
    }
  });

  it('takes a claim another replica stamped up to two minutes behind for one under way, not one cut short', async () => {
    const customer = await customerWaba(t.bench, 1);
    const body = popupAnswer(t.bench, customer);
    const request = parseSignupRequest(body);
    const stamped = (agoMs: number) => new Date(Date.now() - agoMs).toISOString();
    const claim = {
      wabaId: request.wabaId,
      businessId: request.businessId,
      phoneNumberIds: request.phoneNumberIds,
      requestedBy: 'svc',
      signupAt: stamped(0),
      state: 'claimed' as const,
      failure: null,
      journeys: [],
      updatedAt: stamped(100_000), // the exchange began a moment ago, by a clock 100 s behind
    };
    const codeHash = signupCodeHash(body.code);
    expect(await s.ledger.claim(codeHash, claim)).toBeNull();
    expect((await refusal(signup(deps(), body, 'svc'))).kind).toBe('in-progress');
    // Past a minute and the two minutes clocks may be apart, it was cut short: Embedded Signup again.
    expect(await s.ledger.replace(codeHash, claim, { ...claim, updatedAt: stamped(190_000) })).toBe(true);
    expect((await refusal(signup(deps(), body, 'svc'))).kind).toBe('incomplete');
  });

  it('takes over a finish that stopped answering after three minutes (one, and two for clocks apart), and the one taken over writes nothing more', async () => {
    const customer = await customerWaba(t.bench, 1);
    const body = popupAnswer(t.bench, customer);
    let clock = Date.now();
    const now = () => new Date(clock);
    t.bench.sandbox.admin.clearCalls();
    await t.bench.run(async () => {
      // The first caller's read of the WABA's owner takes 1.5 s; meanwhile three minutes pass on the signup's clock.
      t.bench.sandbox.admin.injectFault({ endpoint: 'GET /{waba-id}', kind: 'latency', latencyMs: 1_500, times: 1 });
      const slow = signup({ ...deps(), now }, body, 'svc');
      await new Promise((resolve) => setTimeout(resolve, 300));
      clock += 181_000;
      const second = await signup({ ...deps(), now }, body, 'svc');
      expect(second).toMatchObject({ repeated: false });
      expect((await refusal(slow)).kind).toBe('in-progress');
      expect(calls('POST /{waba-id}/subscribed_apps')).toHaveLength(1);
      expect(await signup({ ...deps(), now }, body, 'svc')).toEqual({ ...second, repeated: true });
      await t.env.client.workflow.getHandle(`number:${customer.e164s[0]}`).terminate('test done');
    });
  });

  it('refuses a code exchanged after its 30 seconds, and answers a retry the same without a second exchange', async () => {
    const customer = await customerWaba(t.bench, 1);
    const body = popupAnswer(t.bench, customer);
    t.bench.sandbox.admin.advanceClock(30_000);
    t.bench.sandbox.admin.clearCalls();
    for (let attempt = 0; attempt < 2; attempt++) {
      const err = await refusal(signup(deps(), body, 'svc'));
      expect(err.kind).toBe('code-expired');
      expect(err.message).toMatch(
        /expired before it was exchanged \(codes live 30 seconds\): run Embedded Signup again/,
      );
    }
    expect(calls(EXCHANGE)).toHaveLength(1);
    expect(await s.stores.tokens.get(customer.wabaId)).toBeUndefined();
    const started = await t.env.client.workflow
      .getHandle(`number:${customer.e164s[0]}`)
      .describe()
      .catch(() => null);
    expect(started).toBeNull();
  });

  describe('on the command line (direct mode)', () => {
    const cliEnv = (): Record<string, string> => ({
      TEMPORAL_ADDRESS: inject('devServerAddress'),
      TEMPORAL_TASK_QUEUE: t.bench.taskQueue,
      NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS,
      NUMBERFLOW_DATA_DIR: s.dataDir,
      // No Meta credentials: the CLI talks to the sandbox on SANDBOX_PORT, with its app secret.
      SANDBOX_PORT: new URL(t.bench.sandbox.url).port,
      META_APP_SECRET: APP_SECRET,
    });
    beforeAll(() => {
      Object.assign(process.env, cliEnv());
    });
    const cli = async (...args: string[]) => {
      const lines: string[] = [];
      await buildCli((line) => lines.push(line), { throwOnExit: true }).parseAsync(args, { from: 'user' });
      return lines;
    };

    it('takes a signup, lists the token without it, and no token or code reaches a log line or an answer', async () => {
      const customer = await customerWaba(t.bench, 1);
      const { code } = t.bench.sandbox.admin.createSignupCode({ wabaId: customer.wabaId });
      const [e164] = customer.e164s;
      const args = [
        '--code',
        code,
        '--waba',
        customer.wabaId,
        '--phone-number-id',
        customer.phoneNumberIds[0] as string,
      ];
      const printed: string[] = [];
      await t.bench.run(async () => {
        const lines = await cli('signup', ...args, '--business', t.bench.portfolioId, '--by', 'ops@acme');
        printed.push(...lines);
        expect(lines[0]).toMatch(
          new RegExp(`^signup of WABA ${customer.wabaId}: token stored, app subscribed; registration window until `),
        );
        expect(lines[1]).toBe(`  ${e164}\tstarted number:${e164}`);
        const again = await cli('signup', ...args, '--business', t.bench.portfolioId, '--by', 'ops@acme');
        printed.push(...again);
        expect(again[0]).toMatch(/answered from the earlier signup with this code/);
        // --json: what the API answers, for a script.
        const asJson = await cli('signup', ...args, '--business', t.bench.portfolioId, '--by', 'ops@acme', '--json');
        printed.push(...asJson);
        expect(JSON.parse(asJson.join('\n'))).toMatchObject({
          wabaId: customer.wabaId,
          repeated: true,
          journeys: [{ e164, outcome: 'started', workflowId: `number:${e164}` }],
        });
        await journeyOf(e164 as string, (v) => v.stage === 'AWAITING_OTP');
        const wrong = await cli('signup', ...args, '--business', '999').catch((err: Error) => err);
        expect(wrong).toBeInstanceOf(IntakeError);
        printed.push((wrong as Error).message);
        await t.env.client.workflow.getHandle(`number:${e164}`).terminate('test done');
      });
      const listed = await cli('token', 'list');
      printed.push(...listed);
      expect(listed).toContainEqual(
        expect.stringMatching(new RegExp(`^${customer.wabaId}\tsignup\t\\S+\tby ops@acme\tkey store-[0-9a-f]{8}$`)),
      );

      const token = (await s.stores.tokens.get(customer.wabaId)) as string;
      expect(token).toMatch(/^EAA/);
      const everything = [...printed, ...logLines].join('\n');
      expect(logLines.length).toBeGreaterThan(0);
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(code);
    });

    it('stores a token piped into `token set` (a process of its own), refusing an empty one', async () => {
      const { wabaId } = await customerWaba(t.bench, 0);
      const token = t.bench.sandbox.admin.issueToken({ wabaIds: [wabaId] });
      const env = { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'error', ...cliEnv() } };
      const set = await runCli(env, ['token', 'set', '--waba', wabaId, '--by', 'admin@acme'], `${token}\n`);
      expect(set).toMatchObject({ code: 0, stdout: `token stored for WABA ${wabaId}; 0 running journeys told` });
      expect(`${set.stdout}${set.stderr}`).not.toContain(token);
      expect(await s.stores.tokens.get(wabaId)).toBe(token);
      expect((await s.stores.tokens.list()).find((stored) => stored.wabaId === wabaId)).toMatchObject({
        source: 'manual',
        by: 'admin@acme',
      });
      const empty = await runCli(env, ['token', 'set', '--waba', wabaId]);
      expect(empty.code).toBe(1);
      expect(empty.stderr).toContain('numberflow: no token was given on standard input');
      // A file piped in by mistake, or two tokens: refused before Meta is asked, without echoing them.
      for (const given of [`${'x'.repeat(100_000)}\n`, `${token}\n${token}\n`]) {
        const wrong = await runCli(env, ['token', 'set', '--waba', wabaId], given);
        expect(wrong.code).toBe(1);
        expect(wrong.stderr).toMatch(
          /a Meta access token is one word of a few hundred characters — give only the token/,
        );
        expect(wrong.stderr).not.toContain(token);
      }
      expect(await s.stores.tokens.get(wabaId)).toBe(token);
    }, 60_000);
  });
});
