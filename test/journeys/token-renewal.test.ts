import { describe, expect, it } from 'vitest';
import { cancelSignal, otpSignal, submitOtpUpdate } from '../../src/domain/messages.js';
import { patchesIn } from '../support/history.js';
import { portfolioQuery, portfolioWorkflowId } from '../../src/domain/portfolio.js';
import { signup } from '../../src/intake/signup.js';
import { setToken } from '../../src/intake/token-renewal.js';
import { submitToJourney } from '../../src/journeys/act.js';
import { listJourneys, summarizeJourneys } from '../../src/journeys/index.js';
import { useBench } from '../support/bench.js';
import { popupAnswer, signupDeps, useStores } from '../support/intake.js';
import { decideName } from '../support/steps.js';

describe("a journey whose WABA's token stops working (dev server + Graph sandbox + the SQLite token store)", () => {
  const s = useStores();
  const t = useBench('dev', () => ({ tokenStore: s.stores.tokens }));
  const NEEDED =
    /^a working Meta token for WABA \d+ is needed: finish Embedded Signup again, or have someone with the token store run `numberflow token set --waba \d+` in direct mode \(a WABA id given wrong: cancel the journey\)$/;

  it('waits for a person when Meta revokes the token mid-journey, and goes on once `token set` stores a new one', async () => {
    const { bench } = t;
    await bench.run(async () => {
      const journey = await bench.start(bench.input());
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const code = bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      expect(bench.sandbox.admin.revokeTokens(bench.wabaId)).toEqual({ revoked: 1 });

      // The operator's code meets the revoked token: the journey waits instead of failing, the update still open.
      const handle = bench.env.client.workflow.getHandle(journey.workflowId);
      const answer = handle.executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'operator@acme' }] });
      const waiting = await journey.until((v) => v.waiting?.for === 'admin', 'waiting for a new token');
      expect(waiting.stage).toBe('VERIFYING_CODE');
      expect(waiting.waiting?.reason).toMatch(NEEDED);
      expect(waiting.waiting?.reason).toContain(bench.wabaId);
      expect(waiting.lastError).toMatchObject({ code: 190 });
      expect(waiting.result).toBeNull();
      expect((await handle.describe()).status.name).toBe('RUNNING');
      // The summary finds it from visibility (WaitingOn), with when the wait began.
      const waits = async () =>
        (await summarizeJourneys(bench.env.client, { portfolioId: bench.portfolioId })).waiting.filter(
          (w) => w.workflowId === journey.workflowId,
        );
      let listed = await waits();
      // Visibility lags a little (on a busy machine, long enough to list the code's wait still).
      for (let attempt = 0; attempt < 100 && listed[0]?.waitingOn !== 'token'; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        listed = await waits();
      }
      expect(listed).toEqual([
        expect.objectContaining({ waitingOn: 'token', stage: 'VERIFYING_CODE', since: expect.any(String) }),
      ]);
      // So does the console's list of what waits for an admin (visibility: WaitingOn IN …).
      const forAdmin = await listJourneys(bench.env.client, { personWait: true, portfolioId: bench.portfolioId });
      expect(forAdmin.items.map((j) => [j.workflowId, j.waitingOn])).toEqual([[journey.workflowId, 'token']]);

      const renewed = bench.sandbox.admin.issueToken({ wabaIds: [bench.wabaId] });
      const deps = { graph: bench.graph, tokens: s.stores.tokens, temporal: bench.env.client };
      const told = await setToken(deps, { wabaId: bench.wabaId, token: renewed, by: 'admin@acme' });
      expect(told.journeysTold).toBeGreaterThanOrEqual(1);
      expect(await answer).toEqual({ accepted: true, message: 'code accepted', attemptsLeft: null });
      await decideName(bench, journey, 'APPROVED');
      const live = await journey.until((v) => v.stage === 'LIVE', 'LIVE');
      expect(live.waiting).toBeNull();
      expect(await waits()).toEqual([]);
      expect(live.notes.map((n) => `${n.actor}: ${n.what}`)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^numberflow: Meta's token for WABA \d+ is unusable \(Meta error 190: /),
          `admin@acme: stored a new Meta token for WABA ${bench.wabaId}`,
        ]),
      );
    });
  });

  it('answers a code that meets the revoked token as taken, saying the journey waits for a new token, not that Meta is slow', async () => {
    const { bench } = t;
    await bench.run(async () => {
      const input = bench.input();
      const journey = await bench.start(input);
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const code = bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      bench.sandbox.admin.revokeTokens(bench.wabaId);
      const answer = await submitToJourney(
        bench.env.client,
        input.phoneNumber.e164,
        submitOtpUpdate,
        { code, actor: 'operator@acme' },
        { waitMs: 3_000 },
      );
      expect(answer).toMatchObject({ accepted: true, pending: true });
      const [said, waits] = answer.message.split('; meanwhile the journey waits: ');
      expect(said).toBe('taken');
      expect(waits?.replace(` — see \`show ${input.phoneNumber.e164}\` for the outcome`, '')).toMatch(NEEDED);
      await bench.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
      // The WABA's token works again for the tests after this one.
      const renewed = bench.sandbox.admin.issueToken({ wabaIds: [bench.wabaId] });
      const deps = { graph: bench.graph, tokens: s.stores.tokens, temporal: bench.env.client };
      await setToken(deps, { wabaId: bench.wabaId, token: renewed, by: 'admin@acme' });
    });
  });

  it('waits for a token when the first journey of a new portfolio has none for its WABA, instead of failing its run', async () => {
    const { bench } = t;
    await bench.run(async () => {
      // The portfolio is not running yet: the slot request starts it, reading Meta with the WABA's token.
      const { portfolioId } = bench.sandbox.admin.createPortfolio({ verificationStatus: 'verified' });
      const { wabaId } = bench.sandbox.admin.createWaba({ portfolioId });
      const journey = await bench.start(bench.input({ wabaId, portfolioId }));
      const waiting = await journey.until((v) => v.waiting?.for === 'admin', 'waiting for a token');
      expect(waiting.stage).toBe('WAITING_FOR_CAPACITY');
      expect(waiting.waiting?.reason).toMatch(NEEDED);
      expect(waiting.notes.at(-1)?.what).toMatch(/no access token for WABA/);
      const handle = bench.env.client.workflow.getHandle(journey.workflowId);
      expect((await handle.describe()).status.name).toBe('RUNNING');

      const token = bench.sandbox.admin.issueToken({ wabaIds: [wabaId] });
      const deps = { graph: bench.graph, tokens: s.stores.tokens, temporal: bench.env.client };
      expect((await setToken(deps, { wabaId, token, by: 'admin@acme' })).journeysTold).toBe(1);
      const view = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      expect(view.waiting?.for).toBe('operator');
      await handle.terminate('test done');
      await bench.env.client.workflow.getHandle(portfolioWorkflowId(portfolioId)).terminate('test done');
    });
  });

  it('refuses a token that is not valid for the WABA, and changes nothing', async () => {
    const { bench } = t;
    const before = await s.stores.tokens.get(bench.wabaId);
    const { wabaId: elsewhere } = bench.sandbox.admin.createWaba({ portfolioId: bench.portfolioId });
    const foreign = bench.sandbox.admin.issueToken({ wabaIds: [elsewhere] });
    const deps = { graph: bench.graph, tokens: s.stores.tokens, temporal: bench.env.client };
    await expect(setToken(deps, { wabaId: bench.wabaId, token: foreign, by: 'admin@acme' })).rejects.toThrow(
      `the token does not grant whatsapp_business_management on WABA ${bench.wabaId}`,
    );
    await expect(setToken(deps, { wabaId: bench.wabaId, token: 'EAAnever-issued', by: 'admin@acme' })).rejects.toThrow(
      /Meta says the token is not valid/,
    );
    expect(await s.stores.tokens.get(bench.wabaId)).toBe(before);
  });

  it('waits when no token is stored for the WABA, and a new Embedded Signup of the WABA resumes it', async () => {
    const { bench } = t;
    await bench.run(async () => {
      const journey = await bench.start(bench.input());
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      expect(await s.stores.tokens.delete(bench.wabaId)).toBe(true);
      await bench.env.client.workflow.getHandle(journey.workflowId).signal('resendCode', { actor: 'operator@acme' });
      const waiting = await journey.until((v) => v.waiting?.for === 'admin', 'waiting for a token');
      expect(waiting.waiting?.reason).toMatch(NEEDED);
      expect(waiting.notes.at(-1)?.what).toMatch(/no access token for WABA/);

      const body = popupAnswer(bench, { wabaId: bench.wabaId, phoneNumberIds: [phoneNumberId as string] });
      const outcome = await signup(signupDeps(t, s), body, 'onboarding-service');
      // A journey started by hand has no window, and this signup gives it none: said as such, not the signup's.
      expect(outcome.journeys).toEqual([
        expect.objectContaining({
          phoneNumberId,
          outcome: 'already-running',
          workflowId: journey.workflowId,
          signupExpiresAt: null,
        }),
      ]);
      const resumed = await journey.until(
        (v) => v.stage === 'AWAITING_OTP' && v.waiting?.for === 'operator' && v.attempts.codeRequests === 2,
        'a second code requested',
      );
      expect(resumed.result).toBeNull();
      await bench.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it("ends a journey cancelled while its WABA has no usable token, freeing its slot: the tidy-up's read does not wait for one", async () => {
    const { bench } = t;
    await bench.run(async () => {
      const journey = await bench.start(bench.input());
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      bench.sandbox.admin.revokeTokens(bench.wabaId);
      const handle = bench.env.client.workflow.getHandle(journey.workflowId);
      await handle.signal(cancelSignal, { actor: 'ops@acme', reason: 'wrong WABA' });
      const ended = await journey.until((v) => v.result !== null, 'the end');
      expect(ended.result).toMatchObject({ outcome: 'CANCELLED', reasonCode: 'CANCELLED_BY_OPERATOR' });
      const { holders } = await bench.env.client.workflow
        .getHandle(portfolioWorkflowId(bench.portfolioId))
        .query(portfolioQuery);
      expect(holders.map((h) => h.e164)).not.toContain(ended.e164);
      await renewToken();
    });
  });

  it('ends a journey cancelled while it waits for a token to register, the tidy-up waiting for none', async () => {
    const { bench } = t;
    await bench.run(async () => {
      const journey = await bench.start(bench.input());
      // Meta refuses the register for its token: the journey waits for a new one, with a register call counted.
      bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'error', code: 190, times: 1 });
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const code = bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      const handle = bench.env.client.workflow.getHandle(journey.workflowId);
      await handle.signal(otpSignal, { code, actor: 'operator@acme' });
      await journey.until((v) => v.stage === 'REGISTERING' && v.waiting?.for === 'admin', 'waiting for a token');
      bench.sandbox.admin.revokeTokens(bench.wabaId); // and the tidy-up's read meets a refused token too
      await handle.signal(cancelSignal, { actor: 'ops@acme', reason: 'wrong WABA' });
      const ended = await journey.until((v) => v.result !== null, 'the end');
      expect(ended.result).toMatchObject({ outcome: 'CANCELLED' });
      expect(ended.notes.map((n) => n.what)).toContain(
        'could not read the number at Meta to tidy up: if WhatsApp Manager shows it registered, deregister or delete it there',
      );
      expect(patchesIn(await handle.fetchHistory())).toContain('tidy-up-never-waits-for-a-token');
      await renewToken();
    });
  });

  /** The WABA's token again, for what follows. */
  async function renewToken(): Promise<void> {
    const { bench } = t;
    const deps = { graph: bench.graph, tokens: s.stores.tokens, temporal: bench.env.client };
    await setToken(deps, {
      wabaId: bench.wabaId,
      token: bench.sandbox.admin.issueToken({ wabaIds: [bench.wabaId] }),
      by: 'admin@acme',
    });
  }
});
