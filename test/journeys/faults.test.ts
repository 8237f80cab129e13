// The faults a review and a probe found in the first version, each with the scenario that showed it.
import { describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { cancelSignal, submitDisplayNameUpdate, submitOtpUpdate } from '../../src/domain/messages.js';
import {
  acquireSlotUpdate,
  portfolioQuery,
  portfolioWorkflowId,
  reconcileSignal,
  releaseSlotSignal,
  requestSlotSignal,
} from '../../src/domain/portfolio.js';
import { describeJourney, followJourney, type JourneyEvent } from '../../src/journeys/index.js';
import { eventually } from '../api/support.js';
import { useBench } from '../support/bench.js';
import { createHarness } from '../support/harness.js';
import { freshNumber } from '../support/journeys.js';
import { cancelledResult, startLive, submitDeliveredCode } from '../support/steps.js';

// Meta answers after the client gave up: the call went through, but numberflow never heard so.
const LOST_ANSWER = { kind: 'latency', latencyMs: 2_500, times: 1 } as const;

describe('faults found in review (dev server + Graph sandbox)', () => {
  const t = useBench('dev', { graphRequestTimeoutMs: 500, sandbox: { connectDelayMs: 60 * 60 * 1000 } });
  const calls = (endpoint: string, phoneNumberId: string) =>
    t.bench.sandbox.admin.calls().filter((c) => c.endpoint === endpoint && c.path.includes(phoneNumberId));
  /** The seconds of each outage wait (5 s, 20 s, …) from the first register call on; the 30 s poll for CONNECTED aside. */
  const outageWaits = async (workflowId: string) => {
    const events = (await t.env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const firstRegister = events.findIndex(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'registerNumber',
    );
    return events
      .slice(firstRegister)
      .map((e) => Number(e.timerStartedEventAttributes?.startToFireTimeout?.seconds ?? -1))
      .filter((seconds) => seconds >= 0 && seconds < 30);
  };
  const portfolio = () =>
    t.env.client.workflow.getHandle(portfolioWorkflowId(t.bench.portfolioId)).query(portfolioQuery);

  it('deregisters, on a cancel, a number whose register took while its lost answer was waited out', async () => {
    await t.bench.run(async () => {
      const input = t.bench.input();
      const journey = await t.bench.start(input);
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /register', ...LOST_ANSWER });
      const phoneNumberId = await submitDeliveredCode(t.bench, journey);
      await journey.until((v) => v.waiting?.for === 'meta' && v.stage === 'REGISTERING', 'waiting out the lost answer');
      // Meta completes the register while the journey waits; then the cancel comes.
      for (let i = 0; i < 100 && calls('POST /{phone-number-id}/register', phoneNumberId).length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await t.env.client.workflow
        .getHandle(journey.workflowId)
        .signal(cancelSignal, { actor: 'ops@acme', reason: 'wrong number' });
      expect((await cancelledResult(t.bench, journey)).reasonCode).toBe('CANCELLED_BY_OPERATOR');
      const ref = { wabaId: t.bench.wabaId, phoneNumberId };
      expect((await t.bench.graph.getPhoneNumber(ref, ['status'])).status).toBe('DISCONNECTED');
      expect(calls('POST /{phone-number-id}/register', phoneNumberId)).toHaveLength(1);
      expect((await portfolio()).holders.map((h) => h.e164)).not.toContain(input.phoneNumber.e164);
    });
  });

  it("shows the Graph call Temporal is retrying, with Meta's answer to the attempt before, until it goes through", async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      // The verify inside the task fails, then the activity's first attempt: Temporal makes the second 3 s later.
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /verify_code', kind: 'error', code: 131000, times: 2 });
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      const e164 = journey.workflowId.slice('number:'.length);
      const read = () => describeJourney(t.env.client, e164);
      // A follower (the event stream's, `watch`'s) hears of the call as it goes: its attempt, then that it is over.
      // It has read the journey once before the code goes, so its view shows no call under way.
      const stop = new AbortController();
      const followed: JourneyEvent[] = [];
      const following = (async () => {
        for await (const event of followJourney(read, { pollMs: 200, signal: stop.signal })) followed.push(event);
      })();
      await eventually(
        async () => followed.length,
        (n) => n > 0,
        "the follower's first view",
      );
      const submitted = t.env.client.workflow
        .getHandle(journey.workflowId)
        .executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'operator@acme' }] });
      const { callUnderWay } = await eventually(read, (v) => v.callUnderWay !== null, 'the retried call');
      expect(callUnderWay).toMatchObject({
        call: 'verify the code an operator submitted',
        endpoint: 'POST /{phone-number-id}/verify_code',
        attempt: 2,
        attemptBefore: expect.stringMatching(/^failed: Meta error 131000: .+ \(fbtrace_id \S+\)$/),
      });
      // Waiting out the 3 s backoff (its end said), or due or running already (none said).
      const next = callUnderWay?.nextAttemptAt;
      if (callUnderWay?.state === 'backing off') expect(Date.parse(next ?? '') - Date.now()).toBeLessThan(4_000);
      else expect(['running', 'waiting for a worker']).toContain(callUnderWay?.state);
      if (callUnderWay?.state !== 'backing off') expect(next).toBeNull();
      expect((await submitted).accepted).toBe(true);
      expect((await read()).callUnderWay).toBeNull();
      const callEvents = async () => followed.flatMap((e) => (e.event === 'call' ? [e.data.callUnderWay] : []));
      const said = await eventually(callEvents, (c) => c.at(-1) === null, "the follower's call events, the last null");
      stop.abort();
      await following;
      // Polled every 200 ms through a 3 s backoff: the attempt was seen before the call was over.
      expect(said.find((call) => call !== null)).toMatchObject({
        call: 'verify the code an operator submitted',
        attempt: 2,
      });
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('never registers twice, whatever the attempt: a register after an outage wait reads Meta first', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /register', ...LOST_ANSWER });
      // The read that guards the next register fails once too: it is retried, then sees the number registered.
      const phoneNumberId = await submitDeliveredCode(t.bench, journey);
      t.bench.sandbox.admin.injectFault({ endpoint: 'GET /phone_number', kind: 'error', code: 131000, times: 1 });
      const view = await journey.until((v) => v.stage === 'AWAITING_CONNECTED', 'registered', 1200);
      expect(calls('POST /{phone-number-id}/register', phoneNumberId)).toHaveLength(1);
      expect(view.attempts.registerCalls).toBe(1); // the guard read found it registered: no second call made
      expect(view.registrationCallsIn72h).toBe(view.attempts.registerCalls);
      expect(view.registrationCallsAt).toHaveLength(view.attempts.registerCalls);
      // One wait, for the lost answer; the blip on the guard read is a quick retry of the read, not a second wait.
      expect(await outageWaits(journey.workflowId)).toEqual([5]);
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('shows no deadline past while it calls Meta again after an outage wait', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'error', code: 131000, times: 1 });
      await submitDeliveredCode(t.bench, journey);
      const waiting = await journey.until((v) => v.waiting?.until != null && v.waiting.for === 'meta', 'the wait');
      // The call after the wait takes a moment (within the client's 500 ms): the view meanwhile.
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'latency', latencyMs: 400, times: 1 });
      const again = await journey.until((v) => v.waiting?.reason.endsWith('calls again now') === true, 'calling again');
      expect(again.waiting).toEqual({
        for: 'meta',
        reason: (waiting.waiting?.reason ?? '').replace(
          'numberflow waits, then calls again',
          'numberflow calls again now',
        ),
        until: null,
      });
      await journey.until((v) => v.stage === 'AWAITING_CONNECTED', 'registered');
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('asks Meta again at once for a code when Meta surely sent none, and counts one request', async () => {
    await t.bench.run(async () => {
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /request_code', kind: 'error', code: 131000, times: 1 });
      const journey = await t.bench.start(t.bench.input());
      const started = Date.now();
      const view = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      expect(Date.now() - started).toBeLessThan(30_000); // not the 15 minutes of a code that never comes
      expect(view.attempts.codeRequests).toBe(1);
      expect(t.bench.sandbox.admin.outbox({ phoneNumberId: view.phoneNumberId as string })).toHaveLength(1);
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('answers a code submitted while Meta is slow when the journey is cancelled meanwhile', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      // Both the call inside the task that took the code and the activity's after it go unanswered (the client
      // gives up after 0.5 s): the activity waits to try again, in VERIFYING_CODE, when the cancel comes.
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /verify_code', kind: 'latency', latencyMs: 3_000, times: 2 });
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      // Taken first (a query may see VERIFYING_CODE from the task that still holds the code, not yet taken).
      const taken = await handle.startUpdate(submitOtpUpdate, {
        args: [{ code, actor: 'ops@acme' }],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
      await journey.until((v) => v.stage === 'VERIFYING_CODE', 'VERIFYING_CODE');
      await handle.signal(cancelSignal, { actor: 'ops@acme', reason: 'not needed' });
      expect(await taken.result()).toMatchObject({
        accepted: false,
        message: expect.stringContaining('ended CANCELLED'),
      });
      await cancelledResult(t.bench, journey);
    });
  });

  it('asks Meta for a display-name change once, even when the answer to the request was lost', async () => {
    const fast = await createHarness(t.env, { graphRequestTimeoutMs: 500, sandbox: { nameReviewDelayMs: 0 } });
    try {
      await fast.run(async () => {
        const { journey, view } = await startLive(fast);
        const phoneNumberId = view.phoneNumberId as string;
        fast.sandbox.admin.injectFault({ endpoint: 'POST /phone_number', ...LOST_ANSWER });
        const handle = t.env.client.workflow.getHandle(journey.workflowId);
        await handle.executeUpdate(submitDisplayNameUpdate, {
          args: [{ displayName: 'Acme Desk', actor: 'ops@acme' }],
        });
        await journey.until((v) => v.displayName.current === 'Acme Desk', 'renamed', 1200);
        const requests = fast.sandbox.admin
          .calls()
          .filter((c) => c.endpoint === 'POST /{phone-number-id}' && c.path.includes(phoneNumberId));
        expect(requests).toHaveLength(1);
        await handle.terminate('test done');
      });
    } finally {
      await fast.close();
    }
  });
});

describe('slots of numbers Meta already counts (dev server + Graph sandbox)', () => {
  const t = useBench('dev', { cap: 1 });
  const handle = () => t.env.client.workflow.getHandle(portfolioWorkflowId(t.bench.portfolioId));

  it('lets a coexistence number take its slot at once while the cap is full', async () => {
    await t.bench.run(async () => {
      const first = await t.bench.start(t.bench.input());
      await first.until((v) => v.stage === 'AWAITING_OTP', 'first holds the only slot');
      const e164 = freshNumber();
      const { phoneNumberId } = t.bench.sandbox.admin.linkCoexistenceNumber({
        wabaId: t.bench.wabaId,
        e164,
        verifiedName: 'Acme Shop',
      });
      const coexistence = await t.bench.start(
        t.bench.input({ phoneNumber: e164, phoneNumberId, path: 'coexistence', displayName: 'Acme Shop' }),
      );
      await coexistence.until((v) => v.stage === 'LIVE', 'LIVE without queueing');
      expect((await handle().query(portfolioQuery)).holders.map((h) => h.e164)).toContain(e164);
      await t.env.client.workflow.getHandle(first.workflowId).terminate('test done');
      await t.env.client.workflow.getHandle(coexistence.workflowId).terminate('test done');
    });
  });
});

describe('slots that leak (dev server + Graph sandbox)', () => {
  const t = useBench('dev', { cap: 1 });
  const handle = () => t.env.client.workflow.getHandle(portfolioWorkflowId(t.bench.portfolioId));

  /** A journey that took its slot, then was terminated: it never gave the slot back. */
  const terminatedHolder = async () => {
    const input = t.bench.input();
    const journey = await t.bench.start(input);
    await journey.until((v) => v.stage === 'AWAITING_OTP', 'holding the slot');
    await t.env.client.workflow.getHandle(journey.workflowId).terminate('gone without a word');
    return input;
  };
  /** The portfolio once a note saying `text` is in it (bounded). */
  const noted = (text: string) =>
    eventually(
      () => handle().query(portfolioQuery),
      (state) => state.notes.some((n) => n.what.includes(text)),
      `a note "${text}" in the portfolio`,
    );

  it('frees, on reconciliation, the slot of a terminated journey, and says so in its history', async () => {
    await t.bench.run(async () => {
      const input = await terminatedHolder();
      await handle().signal(reconcileSignal);
      let state = await handle().query(portfolioQuery);
      for (let i = 0; i < 100 && state.holders.some((h) => h.e164 === input.phoneNumber.e164); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        state = await handle().query(portfolioQuery);
      }
      expect(state.holders.map((h) => h.e164)).not.toContain(input.phoneNumber.e164);
      expect(state.notes.at(-1)?.what).toContain(`freed the slot of ${input.phoneNumber.e164}`);
    });
  });

  it('keeps its holders when Meta refuses a reconciliation, and frees the slot at the next one', async () => {
    await t.bench.run(async () => {
      const input = await terminatedHolder();
      // Meta refuses the WABA's numbers for good (a permanent error: no retry of the activity).
      t.bench.sandbox.admin.injectFault({ endpoint: 'GET /phone_numbers', kind: 'error', code: 100, times: 1 });
      await handle().signal(reconcileSignal);
      const kept = await noted(`could not read the numbers of WABA ${t.bench.wabaId}`);
      expect(kept.holders.map((h) => h.e164)).toContain(input.phoneNumber.e164);
      expect((await handle().describe()).status.name).toBe('RUNNING');

      await handle().signal(reconcileSignal);
      const freed = await noted(`freed the slot of ${input.phoneNumber.e164}`);
      expect(freed.holders.map((h) => h.e164)).not.toContain(input.phoneNumber.e164);
    });
  });

  it('ignores a slot request that arrives after its journey released (a cancel racing the request)', async () => {
    await t.bench.run(async () => {
      const e164 = freshNumber();
      const request = { e164, workflowId: `number:${e164}`, runId: 'run-1', wabaId: t.bench.wabaId, registered: false };
      await handle().signal(releaseSlotSignal, { e164, runId: 'run-1' });
      await handle().signal(requestSlotSignal, request);
      await handle().signal(reconcileSignal); // a later signal: the request has been handled by the time it is
      await new Promise((resolve) => setTimeout(resolve, 500));
      const state = await handle().query(portfolioQuery);
      expect(state.holders.map((h) => h.e164)).not.toContain(e164);
      expect(state.queue.map((q) => q.e164)).not.toContain(e164);
      expect(state.notes.map((n) => n.what).join('\n')).toContain(`ignored a slot request of ${e164}`);
    });
  });

  it('refuses a slot update that arrives after its journey released, and goes on answering', async () => {
    await t.bench.run(async () => {
      const e164 = freshNumber();
      const request = { e164, workflowId: `number:${e164}`, runId: 'run-2', wabaId: t.bench.wabaId, registered: false };
      await handle().signal(releaseSlotSignal, { e164, runId: 'run-2' });
      const late = handle().executeUpdate(acquireSlotUpdate, { args: [request] });
      await expect(late).rejects.toThrow(WorkflowUpdateFailedError);
      await expect(late.catch((err: WorkflowUpdateFailedError) => err.cause?.message)).resolves.toBe(
        'the request came after its journey released the slot',
      );
      // The portfolio is not stuck on it: a request of another run is answered.
      const other = freshNumber();
      const answer = await handle().executeUpdate(acquireSlotUpdate, {
        args: [{ ...request, e164: other, workflowId: `number:${other}`, runId: 'run-3' }],
      });
      expect(answer.granted || answer.position !== null).toBe(true);
    });
  });
});
