import { journeyTimeline } from '../../src/audit/index.js';
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { cancelSignal, confirmDeletionSignal, requestRemovalSignal } from '../../src/domain/messages.js';
import {
  capabilityUpdateSignal,
  capRefusedSignal,
  portfolioQuery,
  portfolioWorkflowId,
  reconcileSignal,
  releaseSlotSignal,
  requestSlotSignal,
} from '../../src/domain/portfolio.js';
import { createPortfolioActivities, type SlotAskLimits } from '../../src/activities/portfolio-activities.js';
import {
  PortfolioStoppedError,
  readPortfolio,
  reconcilePortfolio,
  setPortfolioCap,
} from '../../src/portfolios/portfolio.js';
import { portfolioLines } from '../../src/cli/portfolio-commands.js';
import { GraphClient } from '../../src/graph/client.js';
import { staticTokenProvider } from '../../src/graph/tokens.js';
import { summarizeJourneys } from '../../src/journeys/index.js';
import { signWebhookBody } from '../../src/graph/signature.js';
import { APP_SECRET, createHarness, keepHistory, type Harness } from '../support/harness.js';
import { freshId, freshNumber } from '../support/journeys.js';
import { addedByHand, startLive, submitDeliveredCode } from '../support/steps.js';
import { eventually } from '../api/support.js';
import { patchesIn } from '../support/history.js';
import { connectDevServer, testDataConverter, type TestEnv } from '../support/temporal.js';
import { LATE_META_CAP_PATCH, META_TIMES_ORDER_CAPS_PATCH } from '../../src/workflows/portfolio/patches.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A slot request as a journey sends it, from a run that does not exist (nothing answers it). */
const slotRequest = (e164: string, wabaId: string) => ({
  e164,
  workflowId: `number:${e164}`,
  runId: 'no-such-run',
  wabaId,
  registered: false,
});

/** A new business at Meta (the sandbox) with one WABA, and a Graph client with a token for it. */
function businessAtMeta(b: Harness, verificationStatus?: 'verified' | 'not_verified') {
  const { portfolioId } = b.sandbox.admin.createPortfolio({
    portfolioId: freshId(),
    ...(verificationStatus ? { verificationStatus } : {}),
  });
  const { wabaId } = b.sandbox.admin.createWaba({ portfolioId, wabaId: freshId() });
  const graph = new GraphClient({
    baseUrl: b.sandbox.url,
    tokens: staticTokenProvider(b.sandbox.admin.issueToken({ wabaIds: [wabaId] })),
  });
  return { portfolioId, wabaId, graph };
}

/** Two numbers started and registered at Meta (their display names in review). */
async function registerTwo(b: Harness): Promise<void> {
  for (const number of [await b.start(b.input()), await b.start(b.input())]) {
    await submitDeliveredCode(b, number);
    await number.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'registered');
  }
}

/** A number registered at Meta outside numberflow (WhatsApp Manager, another provider): added, verified, registered. */
async function registeredOutside(b: Harness): Promise<{ e164: string; id: string }> {
  const { input, id } = await addedByHand(b);
  const ref = { wabaId: b.wabaId, phoneNumberId: id };
  await b.graph.requestCode(ref, { codeMethod: 'SMS', language: 'en_US' });
  await b.graph.verifyCode(ref, b.sandbox.admin.latestCode(id) as string);
  await b.graph.register(ref, { pin: '482913' });
  return { e164: input.phoneNumber.e164, id };
}

describe("the portfolio's registered-number cap (dev server + Graph sandbox)", () => {
  let env: TestEnv;
  let bench: Harness | undefined;
  beforeAll(async () => {
    env = await connectDevServer();
  });
  afterEach(async () => {
    await bench?.close();
    bench = undefined;
  });
  afterAll(async () => env?.teardown());

  const portfolioState = (b: Harness) =>
    env.client.workflow.getHandle(portfolioWorkflowId(b.portfolioId)).query(portfolioQuery);

  it('queues a third number while the cap of 2 is reached, and lets it through when Meta raises the cap to 20', async () => {
    const b = (bench = await createHarness(env, { cap: 2 }));
    await b.run(async () => {
      const first = await b.start(b.input());
      const second = await b.start(b.input());
      await first.until((v) => v.stage === 'AWAITING_OTP', 'first AWAITING_OTP');
      await second.until((v) => v.stage === 'AWAITING_OTP', 'second AWAITING_OTP');
      const third = await b.start(b.input());
      const queued = await third.until((v) => v.waiting?.reason.includes('queue') === true, 'queued');
      expect(queued.stage).toBe('WAITING_FOR_CAPACITY');
      expect(queued.waiting?.reason).toBe(
        "the portfolio's cap of registered numbers is reached: 2 when it answered (Meta raises it to 20 once the " +
          'business is verified or reaches a messaging limit of 2,000; if Meta has, an admin sets it: `numberflow ' +
          `portfolio set-cap\`); place 1 in its queue then — \`numberflow portfolio show ${b.portfolioId}\` shows the queue now`,
      );
      expect((await portfolioState(b)).queue).toHaveLength(1);

      b.sandbox.admin.raiseCap(b.portfolioId, 20); // Meta sends business_capability_update
      await b.sandbox.admin.flushWebhooks();
      await third.until((v) => v.stage === 'AWAITING_OTP', 'third admitted');
      expect(await portfolioState(b)).toMatchObject({ cap: 20, queue: [] });
      expect((await portfolioState(b)).holders).toHaveLength(3);
    });
  });

  it('lets the next number through when a live number is removed', async () => {
    const b = (bench = await createHarness(env, { cap: 2 }));
    await b.run(async () => {
      const removedInput = b.input();
      const { journey: live, view } = await startLive(b, removedInput);
      const second = await b.start(b.input());
      await second.until((v) => v.stage === 'AWAITING_OTP', 'second AWAITING_OTP');
      const third = await b.start(b.input());
      await third.until((v) => v.waiting?.reason.includes('queue') === true, 'queued');

      const handle = env.client.workflow.getHandle(live.workflowId);
      await handle.signal(requestRemovalSignal, { actor: 'ops@acme', role: 'operator', reason: 'number retired' });
      const refused = await live.until(
        (v) => v.notes.some((n) => n.what.startsWith('removal refused')),
        'refusal noted',
      );
      expect(refused.stage).toBe('LIVE');
      expect(refused.notes.at(-1)?.what).toContain('lacks admin rights');

      await handle.signal(requestRemovalSignal, { actor: 'admin@acme', role: 'admin', reason: 'number retired' });
      const removing = await live.until((v) => v.waiting?.for === 'admin', 'waiting for the admin');
      expect(removing).toMatchObject({ stage: 'REMOVING', sendsPaused: true, status: 'DISCONNECTED' });
      expect(removing.waiting?.reason).toContain('WhatsApp Manager');
      // The summary lists it as waiting for a person's deletion, from visibility (WaitingOn).
      let deletion: unknown[] = [];
      for (let attempt = 0; attempt < 100 && deletion.length === 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100)); // visibility lags a little
        const summary = await summarizeJourneys(env.client, { portfolioId: b.portfolioId });
        deletion = summary.waiting.filter((w) => w.workflowId === live.workflowId);
      }
      expect(deletion).toEqual([expect.objectContaining({ waitingOn: 'deletion', stage: 'REMOVING' })]);
      // Meta counts a deregistered number no more: its slot went back then, before the deletion.
      await third.until((v) => v.stage === 'AWAITING_OTP', 'third admitted once the number was deregistered');

      b.sandbox.admin.deleteNumber(view.phoneNumberId as string); // the admin's deletion in WhatsApp Manager
      await handle.signal(confirmDeletionSignal, { actor: 'admin@acme' });
      const removed = await live.until((v) => v.result !== null, 'REMOVED');
      expect(removed.result).toMatchObject({ outcome: 'REMOVED', actor: 'admin@acme' });
      expect(removed.result?.reason).toContain('confirmed by admin@acme');
      expect(b.sandbox.admin.calls().filter((c) => c.endpoint.endsWith('/deregister'))).toHaveLength(1);

      // The removed number may be onboarded again: a new run under the same id; the old run stays readable.
      const firstRun = (await handle.describe()).runId;
      const again = await b.start({ ...b.input(), phoneNumber: removedInput.phoneNumber });
      expect(again.workflowId).toBe(live.workflowId);
      expect((await handle.describe()).runId).not.toBe(firstRun);
      expect((await env.client.workflow.getHandle(live.workflowId, firstRun).result()).outcome).toBe('REMOVED');
    });
  });

  it('gives the slot back and re-queues when Meta refuses the add at its cap (200000), lowering the cap to what Meta holds', async () => {
    const b = (bench = await createHarness(env, { cap: 2 }));
    await b.run(async () => {
      // Two numbers registered at Meta, whose cap is 2; the portfolio was told 3 (an admin's mistake).
      await registerTwo(b);
      await env.client.workflow
        .getHandle(portfolioWorkflowId(b.portfolioId))
        .signal(capabilityUpdateSignal, { maxPhoneNumbers: 3, source: 'admin', actor: 'admin@acme', reason: 'guess' });

      const third = await b.start(b.input());
      const requeued = await third.until(
        (v) => v.notes.some((n) => n.what.startsWith('Meta refused the add')),
        'refused',
      );
      expect(requeued.notes.map((n) => n.what)).toContain(
        'Meta refused the add: the portfolio holds its cap (2 registered numbers); back in the queue',
      );
      const queued = await third.until((v) => v.waiting?.reason.includes('queue') === true, 'queued');
      expect(queued).toMatchObject({ stage: 'WAITING_FOR_CAPACITY', result: null });
      expect(queued.waiting?.reason).toContain(
        "the portfolio's cap of registered numbers is reached: 2 when it answered (Meta raises it to 20 once the business is verified or reaches a messaging limit of 2,000; if Meta has, an admin sets it: `numberflow portfolio set-cap`); place 1 in its queue then",
      );
      const portfolio = await portfolioState(b);
      expect(portfolio).toMatchObject({
        cap: 2,
        capSource: { source: 'meta_refusal', reason: `Meta refused to add ${queued.e164} at 2` },
        queue: [{ e164: queued.e164 }],
      });
      expect(portfolio.holders).toHaveLength(2);
      expect(b.sandbox.admin.calls().filter((c) => c.errorCode === 200000)).toHaveLength(1);

      b.sandbox.admin.raiseCap(b.portfolioId, 20); // the business is verified: Meta sends business_capability_update
      await b.sandbox.admin.flushWebhooks();
      await third.until((v) => v.stage === 'AWAITING_OTP', 'admitted and added');
      expect(await portfolioState(b)).toMatchObject({ cap: 20, capSource: { source: 'meta_webhook' }, queue: [] });
    });
  });

  it('reads the numbers Meta counts that hold no slot when Meta refuses an add, and queues the journey', async () => {
    const b = (bench = await createHarness(env, { cap: 2 }));
    await b.run(async () => {
      // The portfolio runs (started with the WABA), then two numbers are registered outside numberflow.
      const outside = [await registeredOutside(b), await registeredOutside(b)];
      expect((await portfolioState(b)).holders).toEqual([]);

      const next = await b.start(b.input());
      const queued = await next.until((v) => v.waiting?.reason.includes('queue') === true, 'queued');
      expect(queued).toMatchObject({ stage: 'WAITING_FOR_CAPACITY', result: null });
      // Refused once: the portfolio read what Meta counts before letting anyone through again.
      expect(b.sandbox.admin.calls().filter((c) => c.errorCode === 200000)).toHaveLength(1);
      const portfolio = await portfolioState(b);
      expect(portfolio).toMatchObject({ cap: 2, learning: false, queue: [{ e164: queued.e164 }] });
      expect(portfolio.holders.map((h) => [h.e164, h.workflowId, h.wabaId]).sort()).toEqual(
        outside.map(({ e164 }) => [e164, null, b.wabaId]).sort(),
      );
      expect(portfolio.notes.map((n) => n.what)).toContain(
        `Meta counts ${outside[0]?.e164} (WABA ${b.wabaId}) as registered and no slot held it (registered outside numberflow): it holds one now, without a journey`,
      );
      expect(portfolio.lastReconciliation?.found).toMatch(/2 counted from Meta/);
      expect(
        patchesIn(await env.client.workflow.getHandle(portfolioWorkflowId(b.portfolioId)).fetchHistory()),
      ).toContain('cap-refusal-reads-what-meta-counts');

      // One of them is deleted at Meta: the next reconciliation frees its slot (its WABA is known), and the queue moves.
      b.sandbox.admin.deleteNumber(outside[0]?.id as string);
      const handle = env.client.workflow.getHandle(portfolioWorkflowId(b.portfolioId));
      b.record(handle.workflowId, 'portfolio', (await handle.describe()).runId); // for test/replay
      await handle.signal(reconcileSignal);
      await next.until((v) => v.stage === 'AWAITING_OTP', 'admitted once a counted number is gone');
      expect((await portfolioState(b)).notes.map((n) => n.what)).toContain(
        `freed the slot of ${outside[0]?.e164}: no running journey holds it and Meta does not count it as registered`,
      );
      await env.client.workflow.getHandle(next.workflowId).terminate('test done');
    });
  });

  it('frees the slot of a number it was seeded with once Meta no longer counts it', async () => {
    const b = (bench = await createHarness(env, { cap: 2 }));
    await b.run(async () => {
      // Registered while no portfolio runs (terminated by hand): the next journey's request starts it, seeded with them.
      await env.client.workflow.getHandle(portfolioWorkflowId(b.portfolioId)).terminate('by hand');
      const outside = [await registeredOutside(b), await registeredOutside(b)];
      const waiting = await b.start(b.input());
      await waiting.until((v) => v.waiting?.reason.includes('queue') === true, 'queued behind the seeded numbers');
      expect((await portfolioState(b)).holders.map((h) => h.wabaId)).toEqual([b.wabaId, b.wabaId]);
      b.sandbox.admin.deleteNumber(outside[1]?.id as string);
      await env.client.workflow.getHandle(portfolioWorkflowId(b.portfolioId)).signal(reconcileSignal);
      await waiting.until((v) => v.stage === 'AWAITING_OTP', 'admitted');
      const portfolio = await portfolioState(b);
      expect(portfolio.holders.map((h) => h.e164)).toEqual([outside[0]?.e164, (await waiting.view()).e164]);
      expect(portfolio.lastReconciliation?.found).toBe(
        '2 holders checked, 1 freed, 0 counted from Meta, 0 dropped from the queue',
      );
      await env.client.workflow.getHandle(waiting.workflowId).terminate('test done');
    });
  });

  it('asks again for a slot when the portfolio told of a refusal at the cap is gone, which starts it anew', async () => {
    const b = (bench = await createHarness(env, { cap: 2 }));
    await b.run(async () => {
      await registerTwo(b);
      const portfolio = env.client.workflow.getHandle(portfolioWorkflowId(b.portfolioId));
      const third = await b.start(b.input());
      const { e164 } = await third.until((v) => v.waiting?.reason.includes('queue') === true, 'queued');
      // An admin's cap above Meta's lets it through; Meta answers its add late, and meanwhile someone terminates the
      // portfolio by hand: once the add has met the fault (it is no longer armed), it is under way for 15 s.
      b.sandbox.admin.injectFault({ endpoint: 'POST /phone_numbers', kind: 'latency', latencyMs: 15_000 });
      await portfolio.signal(capabilityUpdateSignal, { maxPhoneNumbers: 3, source: 'admin', actor: 'admin@acme' });
      await expect.poll(() => b.sandbox.admin.faults().length, { timeout: 30_000, interval: 20 }).toBe(0);
      const { runId } = await portfolio.describe();
      await portfolio.terminate('by hand');
      const requeued = await third.until(
        (v) => v.notes.some((n) => n.what.startsWith('the portfolio could not be told')),
        'the refusal not told',
      );
      expect(requeued.notes.map((n) => n.what)).toEqual(
        expect.arrayContaining([
          'Meta refused the add: the portfolio holds its cap (2 registered numbers); back in the queue',
          'the portfolio could not be told of the refusal (it is not running); asking it again',
        ]),
      );
      const queued = await third.until((v) => v.waiting?.reason.includes('queue') === true, 'queued anew');
      expect(queued).toMatchObject({ stage: 'WAITING_FOR_CAPACITY', result: null });
      expect((await portfolio.describe()).runId).not.toBe(runId); // started again from what Meta counts
      // The auditor reads the refusal told, and that the portfolio could not hear it.
      const { entries } = await journeyTimeline(env.client, e164);
      expect(entries.map((entry) => entry.what)).toEqual(
        expect.arrayContaining([
          'told the portfolio Meta refused the add at its cap with 2 registered',
          'the portfolio could not be told: it was not running',
        ]),
      );
      expect(await portfolioState(b)).toMatchObject({ cap: 2, queue: [{ e164 }] });
      // The new portfolio counted the two registered numbers as slots without a journey; a reconciliation finds
      // their running journeys (portfolio show listed them as having none).
      const seeded = (await portfolioState(b)).holders;
      expect(seeded.map((h) => h.workflowId)).toEqual([null, null]);
      await portfolio.signal(reconcileSignal);
      await expect
        .poll(async () => (await portfolioState(b)).holders.map((h) => h.workflowId), { timeout: 20_000 })
        .toEqual(seeded.map((h) => `number:${h.e164}`));
    });
  });

  it("ends a journey Meta refused at its cap 4 times saying the portfolio's cap is above Meta's", async () => {
    const b = (bench = await createHarness(env, { cap: 2 }));
    await b.run(async () => {
      await registerTwo(b);
      const portfolio = env.client.workflow.getHandle(portfolioWorkflowId(b.portfolioId));
      const third = await b.start(b.input());
      const refusals = (v: { notes: { what: string }[] }) =>
        v.notes.filter((n) => n.what.startsWith('Meta refused the add')).length;
      // An admin sets 3 again each time Meta's refusal lowered it to 2: the journey is let through and refused.
      for (let refused = 0; refused < 3; refused++) {
        await portfolio.signal(capabilityUpdateSignal, {
          maxPhoneNumbers: 3,
          source: 'admin',
          actor: 'admin@acme',
          reason: 'guess',
        });
        await third.until(
          (v) => refusals(v) === refused + 1 && v.waiting?.for === 'portfolio',
          `refusal ${refused + 1}`,
        );
      }
      // Meta answers the last add slowly: the add (a local activity) spans workflow-task heartbeats, and every read
      // of the view below replays that history (a patch decided after such an add failed the replay).
      b.sandbox.admin.injectFault({ endpoint: 'POST /phone_numbers', kind: 'latency', latencyMs: 12_000 });
      await portfolio.signal(capabilityUpdateSignal, {
        maxPhoneNumbers: 3,
        source: 'admin',
        actor: 'admin@acme',
        reason: 'guess',
      });
      const ended = await third.until((v) => v.result !== null, 'ended');
      expect(ended.result).toMatchObject({
        outcome: 'FAILED',
        reasonCode: 'META_200000',
        metaError: { code: 200000 },
        reason: expect.stringMatching(
          /^Meta refused the add at the portfolio's cap 4 times \(Meta error 200000.*; 2 registered numbers at Meta\): each time numberflow's portfolio had let the number through/,
        ),
        remediation: expect.stringContaining('numberflow portfolio set-cap'),
      });
      expect(b.sandbox.admin.calls().filter((c) => c.errorCode === 200000)).toHaveLength(4);
      // The last refusal lowers the portfolio's cap as the three before it did: it kept the admin's 3 and let the
      // next journey through to be refused again.
      await expect.poll(async () => (await portfolioState(b)).cap, { timeout: 10_000 }).toBe(2);
      expect((await portfolioState(b)).capSource).toMatchObject({
        source: 'meta_refusal',
        reason: `Meta refused to add ${ended.e164} at 2`,
      });
      expect((await portfolioState(b)).notes.map((n) => n.what)).toContain(
        `Meta refused to add ${ended.e164} (200000) with 2 numbers registered: its journey ended`,
      );
    });
  });

  it('keeps several journeys Meta refused at once at the head of the queue, in the order they were let through', async () => {
    const b = (bench = await createHarness(env, { cap: 2 }));
    await b.run(async () => {
      await registerTwo(b); // Meta's cap of 2 reached; the portfolio is told 5
      const portfolio = env.client.workflow.getHandle(portfolioWorkflowId(b.portfolioId));
      await portfolio.signal(capabilityUpdateSignal, { maxPhoneNumbers: 5, source: 'admin', actor: 'admin@acme' });
      // Three let through one after the other; Meta answers each add late, so all three hold a slot when it refuses
      // the first, and it refuses them in that order.
      b.sandbox.admin.injectFault({ endpoint: 'POST /phone_numbers', kind: 'latency', latencyMs: 1_500, times: 3 });
      const refused = [];
      for (let i = 0; i < 3; i++) {
        const input = b.input();
        const { e164 } = input.phoneNumber;
        refused.push({ journey: await b.start(input), e164 });
        await eventually(
          () => portfolioState(b),
          (state) => state.holders.some((h) => h.e164 === e164),
          `${e164} let through`,
        );
      }
      for (const { journey } of refused)
        await journey.until((v) => v.waiting?.reason.includes('queue') === true, 'back in the queue');
      const { queue, cap } = await portfolioState(b);
      expect(cap).toBe(2);
      expect(queue.map((q) => q.e164)).toEqual(refused.map((r) => r.e164));
      const places = await Promise.all(refused.map(({ journey }) => journey.view()));
      expect(places.map((v) => /place (\d+)/.exec(v.waiting?.reason ?? '')?.[1])).toEqual(['1', '2', '3']);
      const history = await portfolio.fetchHistory();
      expect(patchesIn(history)).toContain('cap-refused-keep-their-order'); // decided where the order differs
      // A replay fixture of its own (RECORD_HISTORIES), apart from the file's portfolio fixture.
      b.record(portfolio.workflowId, 'portfolio', (await portfolio.describe()).runId);
      for (const { journey } of refused) await env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('asks one portfolio by update a few at a time from a worker, by signal when no turn comes in time', async () => {
    const b = (bench = await createHarness(env, { cap: 20 }));
    await b.run(async () => {
      const updates = { sent: 0, inFlight: 0, most: 0 };
      let gate = Promise.resolve(); // an update entering the client waits here before it is sent
      const counting: WorkflowClientInterceptor = {
        async startUpdate(input, next) {
          updates.sent += 1;
          updates.most = Math.max(updates.most, ++updates.inFlight);
          try {
            await gate;
            return await next(input);
          } finally {
            updates.inFlight -= 1;
          }
        },
      };
      const temporal = new Client({
        connection: env.client.connection,
        namespace: env.client.options.namespace,
        dataConverter: testDataConverter,
        interceptors: { workflow: [counting] },
      });
      const asks = (slotAsks: SlotAskLimits) =>
        createPortfolioActivities({ temporal, taskQueue: b.taskQueue, graph: b.graph, slotAsks });
      const ask = (activities: ReturnType<typeof asks>) =>
        activities.askForSlot({ portfolioId: b.portfolioId, request: slotRequest(freshNumber(), b.wabaId) });
      /** The requests signalled so far, read until there are `count` (a signal that comes in while the portfolio
       * runs a workflow task joins its history when that task completes); bounded. */
      const signalled = async (count: number) => {
        const read = async () => {
          const handle = env.client.workflow.getHandle(portfolioWorkflowId(b.portfolioId));
          const { events } = await handle.fetchHistory();
          return (events ?? []).filter(
            (e) => e.workflowExecutionSignaledEventAttributes?.signalName === requestSlotSignal.name,
          ).length;
        };
        for (let attempt = 0; attempt < 50 && (await read()) < count; attempt++) await pause(100);
        return read();
      };

      // Twelve journeys ask at once: two updates in flight at most, every ask answered by its update.
      const byUpdate = asks({ answerWithinMs: 30_000, inFlightPerPortfolio: 2, minLeftMs: 0 });
      const answers = await Promise.all(Array.from({ length: 12 }, () => ask(byUpdate)));
      expect(answers.every((a) => a !== null && 'granted' in a && a.granted)).toBe(true);
      expect(updates).toMatchObject({ sent: 12, most: 2, inFlight: 0 });
      expect(await signalled(0)).toBe(0);

      // One in flight, held back: the ask behind it gets no turn within its window, goes by signal when the window
      // ends without waiting for the one ahead, and its update is never sent.
      let release = () => {};
      gate = new Promise<void>((resolve) => (release = resolve));
      const oneAtATime = asks({ answerWithinMs: 1_000, inFlightPerPortfolio: 1, minLeftMs: 0 });
      const ahead = ask(oneAtATime);
      expect(await ask(oneAtATime)).toBeNull();
      expect(updates.sent).toBe(13); // the one ahead only
      expect(await signalled(1)).toBe(1);
      // Released past its own window, the one ahead fails at once and goes by signal too.
      release();
      expect(await ahead).toBeNull();
      expect(updates.sent).toBe(13);
      expect(await signalled(2)).toBe(2);

      // A turn that would leave less than minLeftMs of the window is not taken.
      gate = Promise.resolve();
      expect(await ask(asks({ answerWithinMs: 100, inFlightPerPortfolio: 1, minLeftMs: 200 }))).toBeNull();
      expect(updates.sent).toBe(13);
      expect(await signalled(3)).toBe(3);
    });
  });

  it('starts a portfolio not running yet with the first asks, each answered by its update (update-with-start)', async () => {
    const b = (bench = await createHarness(env, { cap: 2 }));
    await b.run(async () => {
      const { portfolioId, wabaId, graph } = businessAtMeta(b, 'not_verified');
      const handle = env.client.workflow.getHandle(portfolioWorkflowId(portfolioId));
      try {
        const activities = createPortfolioActivities({
          temporal: env.client,
          taskQueue: b.taskQueue,
          graph,
          // One update in flight at a time: under load, several at once on a new run may be aborted (and asked
          // again by signal), which the test of turns covers.
          slotAsks: { answerWithinMs: 30_000, inFlightPerPortfolio: 1, minLeftMs: 0 },
        });
        // Three at once: the first starts it, the others find it started; its business's cap of 2 queues one.
        const answers = await Promise.all(
          [freshNumber(), freshNumber(), freshNumber()].map((e164) =>
            activities.askForSlot({ portfolioId, request: slotRequest(e164, wabaId) }),
          ),
        );
        const granted = answers.map((a) => (a !== null && 'granted' in a ? a.granted : null));
        expect(granted.sort()).toEqual([false, true, true]);
        const { events } = await handle.fetchHistory();
        expect((events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes)).toEqual([]);
        expect((events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toHaveLength(3);
        expect(await handle.query(portfolioQuery)).toMatchObject({
          cap: 2,
          capSource: { source: 'business_verification' },
        });
      } finally {
        await graph.close();
        await handle.terminate('test over');
      }
    });
  });

  it('queues journeys in the order they started, not that of their asks (a bulk start asks in any order)', async () => {
    const b = (bench = await createHarness(env, { cap: 1 }));
    await b.run(async () => {
      const holder = await b.start(b.input());
      await holder.until((v) => v.stage === 'AWAITING_OTP', 'the slot held');
      const late = await b.start(b.input());
      await late.until((v) => v.waiting?.reason.includes('queue') === true, 'queued');
      const portfolio = env.client.workflow.getHandle(portfolioWorkflowId(b.portfolioId));
      const [waiting] = (await portfolio.query(portfolioQuery)).queue;
      // The journey said when it started: its run's start (it asks in the run it was started in).
      const started = (await env.client.workflow.getHandle(late.workflowId).describe()).startTime.toISOString();
      expect(waiting).toMatchObject({ workflowId: late.workflowId, startedAt: started });
      // Two journeys started a minute before it, whose first tasks ran after its own: they wait ahead of it, in order.
      const before = (ms: number) => new Date(Date.parse(started) - ms).toISOString();
      const [one, two] = [freshNumber(), freshNumber()];
      await portfolio.signal(requestSlotSignal, { ...slotRequest(two, b.wabaId), startedAt: before(30_000) });
      await portfolio.signal(requestSlotSignal, { ...slotRequest(one, b.wabaId), startedAt: before(60_000) });
      const state = await eventually(
        () => portfolio.query(portfolioQuery),
        (s) => s.queue.length === 3,
        'three queued',
      );
      expect(state.queue.map((q) => q.e164)).toEqual([one, two, (await late.view()).e164]);
      // `portfolio show` says when each started, which orders the queue, beside when it asked.
      const lines = portfolioLines(await readPortfolio(env.client, b.portfolioId));
      const lateE164 = (await late.view()).e164;
      // (The two asks above name no journey: the portfolio drops them once its answers find none.)
      const lateLine = lines.find((line) => /^ {2}\d+\. /.test(line) && line.includes(lateE164)) ?? '';
      expect(lateLine.endsWith(`\tstarted ${started}`)).toBe(true);
      expect(patchesIn(await portfolio.fetchHistory())).toContain('queue-in-journey-start-order');
      await keepHistory(env, {
        workflowId: portfolio.workflowId,
        workflow: 'portfolio',
        scenario: 'journeys queued in the order they started',
      });
      for (const j of [holder, late]) await env.client.workflow.getHandle(j.workflowId).terminate('test done');
    });
  });

  it('notes and drops signals sent by hand that it cannot read, and goes on admitting journeys', async () => {
    const b = (bench = await createHarness(env, { cap: 2 }));
    await b.run(async () => {
      const portfolio = env.client.workflow.getHandle(portfolioWorkflowId(b.portfolioId));
      await portfolio.signal(capabilityUpdateSignal, null as never);
      await portfolio.signal('releaseSlot'); // no input at all
      await portfolio.signal(requestSlotSignal, { e164: '+14155550100' } as never); // no workflowId to answer
      await portfolio.signal(capRefusedSignal, {} as never);
      await portfolio.signal(reconcileSignal, { actor: 'ops\u001b[31m', reason: 'r'.repeat(5_000) });
      await portfolio.signal(reconcileSignal, { actor: 'ops@acme', reason: 'checking after a migration' });
      const journey = await b.start(b.input());
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'admitted');
      const { notes } = await portfolio.query(portfolioQuery);
      // (Signals taken in one workflow task may be handled in another order than sent.)
      const noted = notes.map((n) => n.what).filter((what) => /^signal|reconciliation now/.test(what));
      expect(noted.sort()).toEqual(
        [
          'signal capabilityUpdate ignored: its input must be a JSON object, got null',
          'signal releaseSlot ignored: its input must be a JSON object, got no input',
          'signal requestSlot ignored: workflowId must be the asking journey’s workflow id',
          'signal capRefused ignored: e164 must be a number in E.164 form; runId must be text; registered must be a count',
          'ops@acme asked for a reconciliation now: checking after a migration',
        ].sort(),
      );
      expect(patchesIn(await portfolio.fetchHistory())).toContain('portfolio-signals-checked');
      b.record(portfolio.workflowId, 'portfolio', (await portfolio.describe()).runId); // for test/replay
    });
  });

  it('says a portfolio terminated by hand is not running, in its reading and in the refusal of a new cap', async () => {
    const b = (bench = await createHarness(env, { cap: 2 }));
    await b.run(async () => {
      expect((await readPortfolio(env.client, b.portfolioId)).stopped).toBeNull();
      await env.client.workflow.getHandle(portfolioWorkflowId(b.portfolioId)).terminate('by hand');
      const view = await readPortfolio(env.client, b.portfolioId);
      expect(view.stopped).toMatchObject({ status: 'TERMINATED', at: expect.stringMatching(/^\d{4}-/) });
      expect(portfolioLines(view)[1]).toMatch(
        /^its workflow is not running \(terminated at .*the state shown is its last run’s$/,
      );
      const refused = await setPortfolioCap(env.client, b.portfolioId, {
        cap: 5,
        actor: 'admin@acme',
        reason: 'x',
      }).then(
        () => 'taken',
        (err: unknown) => (err instanceof PortfolioStoppedError ? err.message : String(err)),
      );
      expect(refused).toMatch(
        new RegExp(
          `^portfolio ${b.portfolioId}: its workflow is not running \\(terminated at .*\\): it starts again.*, and a reconciliation asked for then$`,
        ),
      );
    });
  });

  it("starts a new portfolio by its first ask within the ask's window though Meta is slow to list the WABA's numbers", async () => {
    const b = (bench = await createHarness(env, { cap: 2 }));
    await b.run(async () => {
      const { portfolioId, wabaId, graph } = businessAtMeta(b);
      const handle = env.client.workflow.getHandle(portfolioWorkflowId(portfolioId));
      try {
        // Longer than the ask's window: the start is read of Meta before the window, once. (A window of 6 s, not
        // numberflow's 1 s, so that a loaded machine's slow first task does not send the ask by signal.)
        b.sandbox.admin.injectFault({ endpoint: 'GET /phone_numbers', kind: 'latency', latencyMs: 6_500, times: 1 });
        const slotAsks = { answerWithinMs: 6_000, inFlightPerPortfolio: 4, minLeftMs: 250 };
        const activities = createPortfolioActivities({ temporal: env.client, taskQueue: b.taskQueue, graph, slotAsks });
        const answer = await activities.askForSlot({ portfolioId, request: slotRequest(freshNumber(), wabaId) });
        expect(answer).toMatchObject({ granted: true });
        const lists = b.sandbox.admin
          .calls()
          .filter((c) => c.method === 'GET' && c.path.endsWith(`${wabaId}/phone_numbers`));
        expect(lists).toHaveLength(1);
        const { events } = await handle.fetchHistory();
        expect((events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes)).toEqual([]);
      } finally {
        await graph.close();
        await handle.terminate('test over');
      }
    });
  });

  it("keeps a journey's slot when another journey of the number releases it (late, by hand, applied again)", async () => {
    const b = (bench = await createHarness(env, { cap: 2 }));
    await b.run(async () => {
      const input = b.input();
      const journey = await b.start(input);
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const { e164 } = input.phoneNumber;
      const handle = env.client.workflow.getHandle(journey.workflowId);
      const firstRunId = (await handle.describe()).runId;
      const portfolio = env.client.workflow.getHandle(portfolioWorkflowId(b.portfolioId));
      // An earlier journey of the number, ended long ago: its release must not free this journey's slot.
      await portfolio.signal(releaseSlotSignal, { e164, runId: 'an-earlier-run', firstRunId: 'an-earlier-run' });
      const noted = await eventually(
        () => portfolio.query(portfolioQuery),
        (state) => state.notes.some((n) => n.what.startsWith(`ignored a release of ${e164}`)),
        'the release ignored',
      );
      expect(noted.notes.at(-1)?.what).toBe(
        `ignored a release of ${e164} by another journey of the number (run an-earlier-run): run ${firstRunId} holds its slot`,
      );
      expect((await portfolio.query(portfolioQuery)).holders).toContainEqual(
        expect.objectContaining({ e164, runId: firstRunId, firstRunId }),
      );
      // Its own release (the cancel's tidy-up) frees it.
      await handle.signal(cancelSignal, { actor: 'ops@acme', reason: 'test over' });
      await eventually(
        () => portfolio.query(portfolioQuery),
        (state) => !state.holders.some((h) => h.e164 === e164),
        'the slot freed',
      );
      expect(patchesIn(await portfolio.fetchHistory())).toContain('release-matches-its-journey');
      const scenario = 'a release by another journey of the number';
      await keepHistory(env, { workflowId: portfolio.workflowId, workflow: 'portfolio', scenario });
    });
  });

  it("ignores Meta's business_capability_update sent before the cap Meta gave last (a late delivery, or sent again)", async () => {
    const b = (bench = await createHarness(env, { cap: 2 }));
    await b.run(async () => {
      b.sandbox.admin.raiseCap(b.portfolioId, 20); // Meta sends business_capability_update
      await b.sandbox.admin.flushWebhooks();
      await eventually(
        () => portfolioState(b),
        (state) => state.cap === 20,
        'the cap of 20',
      );
      // The same kind of webhook, of a cap of 2, sent a day before: Meta delivers again for days.
      const capWebhook = (cap: number, time: number) => ({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: b.wabaId,
            time,
            changes: [
              {
                field: 'business_capability_update',
                value: { max_daily_conversation_per_phone: 1000, max_phone_numbers_per_business: cap },
              },
            ],
          },
        ],
      });
      const late = capWebhook(2, Math.floor(Date.now() / 1000) - 24 * 60 * 60);
      const deliver = async (webhook: typeof late) => {
        const body = JSON.stringify(webhook);
        const answer = await fetch(b.codecUrl.replace(/\/codec$/, '/webhooks/meta'), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhookBody(body, APP_SECRET) },
          body,
        });
        expect(answer.status).toBe(200);
      };
      await deliver(late);
      const ignored = (cap: number) =>
        new RegExp(
          `^ignored Meta's business_capability_update of ${cap} sent at \\S+: Meta gave the cap of 20 later, at \\S+$`,
        );
      const state = await eventually(
        () => portfolioState(b),
        (s) => s.notes.some((n) => ignored(2).test(n.what)),
        'the late cap noted',
      );
      expect(state.cap).toBe(20);
      // One Meta sent 30 seconds before the cap of 20 (an earlier change, delivered again after a restart): both
      // dates are Meta's, so no allowance for two clocks lets it replace the later cap.
      const metaCapAt = Date.parse(state.metaCapAt ?? '');
      await deliver(capWebhook(3, Math.floor(metaCapAt / 1000) - 30));
      const after = await eventually(
        () => portfolioState(b),
        (s) => s.notes.some((n) => ignored(3).test(n.what)),
        'the cap sent just before noted',
      );
      expect(after.cap).toBe(20);
      const history = await env.client.workflow.getHandle(portfolioWorkflowId(b.portfolioId)).fetchHistory();
      expect(patchesIn(history)).toEqual(expect.arrayContaining([LATE_META_CAP_PATCH, META_TIMES_ORDER_CAPS_PATCH]));
      const scenario = 'caps meta sent before the last';
      await keepHistory(env, { workflowId: portfolioWorkflowId(b.portfolioId), workflow: 'portfolio', scenario });
    });
  });

  it("answers an admin's reconciliation with the one begun after the ask, not one already under way", async () => {
    const b = (bench = await createHarness(env, { cap: 2 }));
    await b.run(async () => {
      const journey = await b.start(b.input()); // a holder: each reconciliation reads the WABA's numbers
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const lists = () => b.sandbox.admin.calls().filter((c) => c.endpoint === 'GET /{waba-id}/phone_numbers').length;
      const before = lists();
      b.sandbox.admin.injectFault({ endpoint: 'GET /phone_numbers', kind: 'latency', latencyMs: 1_500, times: 2 });
      // One by hand (no name, no id) begins first and is under way when the admin asks.
      const handle = env.client.workflow.getHandle(portfolioWorkflowId(b.portfolioId));
      await handle.signal(reconcileSignal);
      const underWay = async () => ((await handle.describe()).raw.pendingActivities ?? []).length;
      await eventually(underWay, (pending) => pending > 0, 'the reconciliation by hand under way');
      const { view, reconciled } = await reconcilePortfolio(env.client, b.portfolioId, {
        actor: 'ann@acme',
        reason: 'a number deleted at Meta',
      });
      expect(reconciled).toBe(true);
      expect(lists() - before).toBe(2); // the one under way, then the admin's: answered by the second
      expect(view.lastReconciliation).toMatchObject({
        found: expect.stringMatching(/^1 holder checked/),
        failed: false,
      });
      const state = await portfolioState(b);
      expect(state.lastReconciliation?.asks).toHaveLength(1);
      expect(state.reconcileAsks).toEqual([]);
      expect(view.notes.map((n) => n.what)).toContain(
        'ann@acme asked for a reconciliation now: a number deleted at Meta',
      );
      expect(view.notes.map((n) => n.what).filter((n) => n.includes('asked for a reconciliation'))).toHaveLength(1);
      await env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it("starts a new portfolio at the cap its business's verification gives: 20 verified, 2 not", async () => {
    const b = (bench = await createHarness(env, { cap: 2 }));
    await b.run(async () => {
      for (const [verificationStatus, cap] of [
        ['verified', 20],
        ['not_verified', 2],
      ] as const) {
        const { portfolioId, wabaId, graph } = businessAtMeta(b, verificationStatus);
        const activities = createPortfolioActivities({ temporal: env.client, taskQueue: b.taskQueue, graph });
        await activities.requestSlot({ portfolioId, request: slotRequest(freshNumber(), wabaId) });
        const state = await env.client.workflow.getHandle(portfolioWorkflowId(portfolioId)).query(portfolioQuery);
        expect(state).toMatchObject({ cap, capSource: { source: 'business_verification' } });
        await graph.close();
        await env.client.workflow.getHandle(portfolioWorkflowId(portfolioId)).terminate('test over');
      }
    });
  });
});
