import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyTimeline } from '../../src/audit/index.js';
import type { JourneyView } from '../../src/domain/journey.js';
import {
  cancelSignal,
  cancelUpdate,
  requestRemovalUpdate,
  submitDisplayNameUpdate,
} from '../../src/domain/messages.js';
import { portfolioQuery, portfolioWorkflowId } from '../../src/domain/portfolio.js';
import { createHarness, type Harness, type JourneyHandle } from '../support/harness.js';
import { cancelledResult, decideName, submitDeliveredCode } from '../support/steps.js';
import { connectDevServer, type TestEnv } from '../support/temporal.js';
import { patchesIn } from '../support/history.js';
import { describeJourney } from '../../src/journeys/index.js';

describe('cancelling a journey at every waiting stage (dev server + Graph sandbox)', () => {
  let env: TestEnv;
  let bench: Harness;
  beforeAll(async () => {
    env = await connectDevServer();
    // Registrations stay PENDING for a day of sandbox time, so AWAITING_CONNECTED can be caught.
    bench = await createHarness(env, { sandbox: { connectDelayMs: 24 * 60 * 60 * 1000 } });
  });
  afterAll(async () => {
    await bench?.close();
    await env?.teardown();
  });

  /** Drives a fresh journey to `stage`; PENDING numbers are connected on the way unless the stage is their own. */
  const reach: Record<string, (journey: JourneyHandle) => Promise<unknown>> = {
    AWAITING_OTP: (j) => j.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP'),
    AWAITING_PIN: async (j) => submitDeliveredCode(bench, j),
    AWAITING_CONNECTED: async (j) => submitDeliveredCode(bench, j),
    DISPLAY_NAME_REVIEW: async (j) => {
      await submitDeliveredCode(bench, j);
      await j.until((v) => v.stage === 'AWAITING_CONNECTED', 'AWAITING_CONNECTED');
      bench.sandbox.admin.advanceClock(24 * 60 * 60 * 1000 + 1);
      await bench.sandbox.admin.flushWebhooks(); // ONBOARDING wakes the journey
    },
    AWAITING_NEW_NAME: async (j) => {
      await reach.DISPLAY_NAME_REVIEW!(j);
      await decideName(bench, j, 'REJECTED');
    },
  };

  /** A journey walked to LIVE the long way (through AWAITING_CONNECTED), as the stages above. */
  const startLive = async (input = bench.input()) => {
    const journey = await bench.start(input);
    await reach.DISPLAY_NAME_REVIEW!(journey);
    await decideName(bench, journey, 'APPROVED');
    const { phoneNumberId } = await journey.until((v) => v.stage === 'LIVE', 'LIVE');
    return { journey, phoneNumberId };
  };

  const registeredBefore = ['AWAITING_CONNECTED', 'DISPLAY_NAME_REVIEW', 'AWAITING_NEW_NAME'];

  it.each(Object.keys(reach))('cancels in %s, says who did it and why, and frees the slot', async (stage) => {
    await bench.run(async () => {
      const input = bench.input({ pinPolicy: stage === 'AWAITING_PIN' ? 'operator' : 'generate' });
      const journey = await bench.start(input);
      await reach[stage]!(journey);
      await journey.until((v) => v.stage === stage, stage);
      const handle = env.client.workflow.getHandle(journey.workflowId);
      await handle.signal(cancelSignal, { actor: 'ops@acme', reason: 'customer changed their mind' });
      const result = await cancelledResult(bench, journey);
      expect(result).toMatchObject({ outcome: 'CANCELLED', reasonCode: 'CANCELLED_BY_OPERATOR', actor: 'ops@acme' });
      expect(result.reason).toBe('cancelled by ops@acme: customer changed their mind');
      const portfolio = await env.client.workflow
        .getHandle(portfolioWorkflowId(bench.portfolioId))
        .query(portfolioQuery);
      expect(portfolio.holders.map((h) => h.e164)).not.toContain(input.phoneNumber.e164);
      // A number registered before the cancel does not stay registered with nobody managing it.
      const ref = { wabaId: bench.wabaId, phoneNumberId: (await journey.view()).phoneNumberId as string };
      const atMeta = await bench.graph.getPhoneNumber(ref, ['status']);
      expect(atMeta.status).toBe(registeredBefore.includes(stage) ? 'DISCONNECTED' : 'PENDING');
    });
  });

  it('waits, on a cancel, for the register Meta is answering, then deregisters the number it registered', async () => {
    await bench.run(async () => {
      const input = bench.input();
      const journey = await bench.start(input);
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      // Meta takes 8 s to answer: time enough, on a loaded machine, to see the register sent and cancel meanwhile.
      bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'latency', latencyMs: 8_000, times: 1 });
      const phoneNumberId = await submitDeliveredCode(bench, journey);
      await journey.until((v) => v.stage === 'REGISTERING' && v.attempts.registerCalls === 1, 'the register sent');
      await env.client.workflow
        .getHandle(journey.workflowId)
        .signal(cancelSignal, { actor: 'ops@acme', reason: 'wrong number' });
      const result = await cancelledResult(bench, journey);
      expect(result).toMatchObject({ reasonCode: 'CANCELLED_BY_OPERATOR', actor: 'ops@acme' });
      // The register took once answered: the tidy-up deregistered it, and the slot is free.
      const ref = { wabaId: bench.wabaId, phoneNumberId: phoneNumberId as string };
      expect((await bench.graph.getPhoneNumber(ref, ['status'])).status).toBe('DISCONNECTED');
      expect((await journey.view()).attempts).toMatchObject({ registerCalls: 1, deregisterCalls: 1 });
      const portfolio = await env.client.workflow
        .getHandle(portfolioWorkflowId(bench.portfolioId))
        .query(portfolioQuery);
      expect(portfolio.holders.map((h) => h.e164)).not.toContain(input.phoneNumber.e164);
    });
  });

  it('ends CANCELLED, tidily, when the workflow is cancelled through Temporal (the Web UI button)', async () => {
    await bench.run(async () => {
      const input = bench.input();
      const journey = await bench.start(input);
      await reach.DISPLAY_NAME_REVIEW!(journey);
      await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW');
      const handle = env.client.workflow.getHandle(journey.workflowId);
      await handle.cancel();
      const result = await cancelledResult(bench, journey);
      expect(result).toMatchObject({ outcome: 'CANCELLED', reasonCode: 'CANCELLED_THROUGH_TEMPORAL', actor: null });
      const portfolio = await env.client.workflow
        .getHandle(portfolioWorkflowId(bench.portfolioId))
        .query(portfolioQuery);
      expect(portfolio.holders.map((h) => h.e164)).not.toContain(input.phoneNumber.e164);
      const ref = { wabaId: bench.wabaId, phoneNumberId: (await journey.view()).phoneNumberId as string };
      expect((await bench.graph.getPhoneNumber(ref, ['status'])).status).toBe('DISCONNECTED');
      // The audit's ending names who asked: the Temporal client's identity.
      const timeline = await journeyTimeline(env.client, input.phoneNumber.e164);
      expect(timeline.entries.at(-1)).toMatchObject({ kind: 'ended', outcome: 'CANCELLED', actor: expect.any(String) });
      expect(timeline.entries.at(-1)?.actor).not.toBe('numberflow');
    });
  });

  it('keeps the slot of a number Meta still counts when a journey that never registered it is cancelled', async () => {
    await bench.run(async () => {
      // A live number's journey terminated by hand, then onboarded again by a plain start (not an adoption): the new
      // journey never registers the number, but Meta still counts it.
      const input = bench.input();
      const { journey: live, phoneNumberId } = await startLive(input);
      const handle = env.client.workflow.getHandle(live.workflowId);
      await handle.terminate('by hand');
      const { e164 } = input.phoneNumber;
      // What the terminated run advises: adopting the number where Meta stands, not a plain start (which this is).
      const closed = await describeJourney(env.client, e164);
      expect(closed.result?.remediation).toContain(
        `start a new journey with \`--phone-number-id ${phoneNumberId}\` to adopt it where Meta stands, with no new code`,
      );
      const again = await bench.start({ ...bench.input(), phoneNumber: input.phoneNumber });
      await again.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      await handle.signal(cancelSignal, { actor: 'ops@acme', reason: 'started by mistake' });
      expect((await cancelledResult(bench, again)).reasonCode).toBe('CANCELLED_BY_OPERATOR');
      const portfolio = await env.client.workflow
        .getHandle(portfolioWorkflowId(bench.portfolioId))
        .query(portfolioQuery);
      // Before the patch the slot was freed: the portfolio let a number more through than Meta takes.
      expect(portfolio.holders).toContainEqual(expect.objectContaining({ e164, workflowId: null, runId: null }));
      const ref = { wabaId: bench.wabaId, phoneNumberId: phoneNumberId as string };
      expect((await bench.graph.getPhoneNumber(ref, ['status'])).status).toBe('CONNECTED');
      const { notes } = await again.view();
      expect(notes.map((n) => n.what)).toContain(
        'Meta still counts the number as registered: it keeps its portfolio slot',
      );
      expect(patchesIn(await handle.fetchHistory())).toContain('tidy-up-reads-meta-whatever-the-flags');
    });
  });

  it('cancels while queued for capacity and leaves the queue', async () => {
    const full = await createHarness(env, { cap: 0 });
    try {
      await full.run(async () => {
        const input = full.input();
        const journey = await full.start(input);
        await journey.until((v) => v.waiting?.reason.includes('queue') === true, 'queued');
        const handle = env.client.workflow.getHandle(journey.workflowId);
        // It holds no slot: the answer says it leaves the queue (it said it freed its slot).
        expect(
          await handle.executeUpdate(cancelUpdate, { args: [{ actor: 'ops@acme', reason: 'not needed' }] }),
        ).toMatchObject({ accepted: true, message: "cancelling: the journey leaves the portfolio's queue and ends" });
        expect((await cancelledResult(full, journey)).reasonCode).toBe('CANCELLED_BY_OPERATOR');
        const portfolio = await env.client.workflow
          .getHandle(portfolioWorkflowId(full.portfolioId))
          .query(portfolioQuery);
        expect(portfolio.queue).toEqual([]);
        // The audit says it left the queue: it held no slot to give back.
        const timeline = await journeyTimeline(env.client, input.phoneNumber.e164);
        const portfolioEntries = timeline.entries.filter((e) => e.kind === 'portfolio').map((e) => e.what);
        expect(portfolioEntries).toContain("left its place in the portfolio's queue");
        expect(portfolioEntries).not.toContain('gave its registration slot back to the portfolio');
      });
    } finally {
      await full.close();
    }
  });

  it('refuses a cancel or a removal by update that gives no reason, or one with control characters', async () => {
    await bench.run(async () => {
      const { journey } = await startLive();
      const handle = env.client.workflow.getHandle(journey.workflowId);
      const refusal = (update: Promise<unknown>) =>
        update.then(
          () => 'accepted',
          (err: unknown) => (err instanceof WorkflowUpdateFailedError ? err.cause?.message : String(err)),
        );
      const removal = { actor: 'ops@acme', role: 'admin' };
      expect(await refusal(handle.executeUpdate(requestRemovalUpdate, { args: [{ ...removal, reason: '  ' }] }))).toBe(
        'a reason must be given',
      );
      expect(
        await refusal(handle.executeUpdate(requestRemovalUpdate, { args: [{ ...removal, reason: 'a\u001b[2Jb' }] })),
      ).toBe('the reason must be one line of text, without control characters (line breaks, escapes)');
      expect(await refusal(handle.executeUpdate(cancelUpdate, { args: [{ actor: 'ops@acme', reason: '' }] }))).toBe(
        'a reason must be given',
      );
      expect((await journey.view()).stage).toBe('LIVE');
      await handle.terminate('test done');
    });
  });

  it('refuses to cancel a live number: that is a removal', async () => {
    await bench.run(async () => {
      const { journey } = await startLive();
      const handle = env.client.workflow.getHandle(journey.workflowId);
      await handle.signal(cancelSignal, { actor: 'ops@acme', reason: 'oops' });
      const view: JourneyView = await journey.until(
        (v) => v.notes.some((n) => n.what.startsWith('cancel refused')),
        'note',
      );
      expect(view.stage).toBe('LIVE');
      expect(view.notes.at(-1)?.what).toBe(
        "cancel refused: a live number's journey cannot be cancelled (stage LIVE); request its removal instead",
      );
      // Once the removal is under way, neither a cancel nor another removal is advised back and forth.
      const admin = { actor: 'ops@acme', role: 'admin', reason: 'number retired' };
      await handle.executeUpdate(requestRemovalUpdate, { args: [admin] });
      await journey.until((v) => v.stage === 'REMOVING' && v.waiting?.for === 'admin', 'REMOVING, for the admin');
      const refused = (update: Promise<unknown>) =>
        update.then(
          () => 'taken',
          (err: unknown) => (err as WorkflowUpdateFailedError).cause?.message,
        );
      expect(await refused(handle.executeUpdate(cancelUpdate, { args: [{ actor: 'ops@acme', reason: 'stop' }] }))).toBe(
        'the number is being removed (stage REMOVING), which cannot be cancelled: it ends once an admin confirms the deletion',
      );
      expect(await refused(handle.executeUpdate(requestRemovalUpdate, { args: [admin] }))).toBe(
        'the number is being removed already (stage REMOVING)',
      );
      await handle.terminate('test done');
    });
  });

  it("refuses Temporal's own cancel of a live number (the Web UI's button): it stays LIVE and registered", async () => {
    await bench.run(async () => {
      const { journey, phoneNumberId } = await startLive();
      const handle = env.client.workflow.getHandle(journey.workflowId);
      await handle.cancel();
      const view = await journey.until((v) => v.notes.some((n) => n.what.startsWith('cancel refused')), 'refusal');
      expect(view.stage).toBe('LIVE');
      expect(view.notes.at(-1)).toMatchObject({ actor: 'temporal' });
      await new Promise((resolve) => setTimeout(resolve, 500)); // time for a wrong deregister to happen
      const ref = { wabaId: bench.wabaId, phoneNumberId: phoneNumberId as string };
      expect((await bench.graph.getPhoneNumber(ref, ['status'])).status).toBe('CONNECTED');
      expect((await handle.describe()).status.name).toBe('RUNNING');
      expect((await journey.view()).stage).toBe('LIVE');
      await handle.terminate('test done');
    });
  });

  it("refuses a cancel during a live rename's register, by signal and through Temporal, and applies the name", async () => {
    await bench.run(async () => {
      const { journey, phoneNumberId } = await startLive();
      const handle = env.client.workflow.getHandle(journey.workflowId);
      await handle.executeUpdate(submitDisplayNameUpdate, { args: [{ displayName: 'Acme Care', actor: 'ops@acme' }] });
      bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'latency', latencyMs: 3_000 });
      await decideName(bench, journey, 'APPROVED');
      await journey.until((v) => v.stage === 'REGISTERING', 'the re-register');
      await handle.signal(cancelSignal, { actor: 'ops@acme', reason: 'oops' });
      await handle.cancel();
      const renamed = await journey.until(
        (v) => v.stage === 'LIVE' && v.displayName.current === 'Acme Care',
        'renamed',
      );
      expect(renamed.notes.filter((n) => n.what.startsWith('cancel refused')).map((n) => n.actor)).toEqual([
        'ops@acme',
        'temporal',
      ]);
      const ref = { wabaId: bench.wabaId, phoneNumberId: phoneNumberId as string };
      expect((await bench.graph.getPhoneNumber(ref, ['status'])).status).toBe('CONNECTED');
      await handle.terminate('test done');
    });
  });
});
