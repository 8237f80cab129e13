import { describe, expect, it } from 'vitest';
import { useBench } from '../support/bench.js';
import { journeyTimeline } from '../../src/audit/index.js';
import { upsertedStage } from '../support/history.js';
import { addedByHand, submitDeliveredCode, verifiedByHand } from '../support/steps.js';

// Meta answers after the client gave up: the call went through, but numberflow never heard so.
const LOST_ANSWER = { kind: 'latency', latencyMs: 2_500, times: 1 } as const;

describe('Graph answers lost on the way back (dev server + Graph sandbox)', () => {
  const t = useBench('dev', { graphRequestTimeoutMs: 500 });
  const callsTo = (suffix: string, phoneNumberId: string) =>
    t.bench.sandbox.admin.calls().filter((c) => c.endpoint.endsWith(suffix) && c.path.includes(phoneNumberId));

  it('does not request a second code when the answer to the first was lost', async () => {
    await t.bench.run(async () => {
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /request_code', ...LOST_ANSWER });
      const journey = await t.bench.start(t.bench.input());
      const view = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      expect(view.notes.map((n) => n.what)).toContain(
        'Meta may have sent a code by SMS but did not confirm it; if none arrives within minutes, ask for a resend',
      );
      // The wait says so too, where the operator looks (a code may never come).
      expect(view.waiting?.reason).toMatch(
        /^Meta may have sent a code by SMS \(its answer to the request was lost\): if none arrives within minutes, ask for a resend; else an operator must submit/,
      );
      const outbox = () => t.bench.sandbox.admin.outbox({ phoneNumberId: view.phoneNumberId as string });
      for (let i = 0; i < 200 && outbox().length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(outbox()).toHaveLength(1); // the slow call did go through: one code reached the phone
      expect(callsTo('/request_code', view.phoneNumberId as string)).toHaveLength(1);
      expect(view.attempts.codeRequests).toBe(1);
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  /** The WABA calls (list, add) made for `e164` from `since` (an index into the call log) on. */
  const wabaCalls = (since: number, endpoint: string) =>
    t.bench.sandbox.admin
      .calls()
      .slice(since)
      .filter((c) => c.endpoint === endpoint);

  it("adds a number without reading the WABA's list of numbers first", async () => {
    await t.bench.run(async () => {
      const since = t.bench.sandbox.admin.calls().length;
      const journey = await t.bench.start(t.bench.input());
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      expect(wabaCalls(since, 'POST /{waba-id}/phone_numbers')).toHaveLength(1);
      expect(wabaCalls(since, 'GET /{waba-id}/phone_numbers')).toHaveLength(0);
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('takes over a number someone already added to the WABA by hand instead of failing', async () => {
    await t.bench.run(async () => {
      const { input, id } = await addedByHand(t.bench);
      const journey = await t.bench.start(input);
      const view = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      expect(view.phoneNumberId).toBe(id);
      expect(view.notes.map((n) => n.what)).toContain(
        'the number was already on the WABA; its phone_number_id is reused',
      );
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('asks no code for a number already on the WABA whose code Meta shows verified, and registers it', async () => {
    await t.bench.run(async () => {
      // Verified by an earlier try (a journey cancelled before it registered, say): Meta keeps it so for 14 days.
      const { input, id } = await verifiedByHand(t.bench);
      const since = t.bench.sandbox.admin.calls().length;
      const journey = await t.bench.start(input);
      const view = await journey.until((v) => v.status === 'CONNECTED', 'CONNECTED');
      expect(view.phoneNumberId).toBe(id);
      expect(view.notes.map((n) => n.what)).toContain(
        'the number was already on the WABA, its code verified at Meta (a verification lasts 14 days): its phone_number_id is reused, and no code is asked for',
      );
      const calls = t.bench.sandbox.admin.calls().slice(since);
      expect(calls.filter((c) => /request_code|verify_code/.test(c.endpoint))).toEqual([]);
      expect(view.stagesEntered.map((s) => s.stage)).not.toContain('AWAITING_OTP');
      const timeline = await journeyTimeline(t.env.client, input.phoneNumber.e164);
      expect(timeline.entries.map((e) => e.outcome)).toContain(
        `phone_number_id ${id} (already on the WABA), its code verified`,
      );
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('does not add the number twice when the answer to the add was lost', async () => {
    await t.bench.run(async () => {
      const since = t.bench.sandbox.admin.calls().length;
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /phone_numbers', ...LOST_ANSWER });
      const journey = await t.bench.start(t.bench.input());
      const view = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      // The slow add is logged once Meta answers it, LOST_ANSWER's latency after it came: wait past that.
      const adds = () => wabaCalls(since, 'POST /{waba-id}/phone_numbers');
      await new Promise((resolve) => setTimeout(resolve, LOST_ANSWER.latencyMs));
      // Added once: the repeated add looked for it on the WABA first, or Meta refused it as already there (200000).
      const sent = adds();
      expect(sent.filter((c) => c.status === 200)).toHaveLength(1);
      expect(sent.filter((c) => c.status !== 200).map((c) => c.errorCode)).toEqual(sent.length === 1 ? [] : [200000]);
      expect(view.phoneNumberId).toBeTruthy();
      // The add inside the task failed: ADDING is written to visibility before the activity takes over.
      const events = (await t.env.client.workflow.getHandle(journey.workflowId).fetchHistory()).events ?? [];
      const added = events.findIndex(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'addPhoneNumber',
      );
      const adding = events.findIndex((e) => upsertedStage(e) === 'ADDING');
      expect(adding).toBeGreaterThan(-1);
      expect(adding).toBeLessThan(added);
      // The audit reads ADDING once, from the call in the task, and both calls in it.
      const { entries } = await journeyTimeline(t.env.client, view.e164);
      expect(entries.filter((e) => e.kind === 'stage').map((e) => e.stage)).toEqual([
        'ADDING',
        'REQUESTING_CODE',
        'AWAITING_OTP',
      ]);
      expect(entries.filter((e) => e.endpoint === 'POST /{waba-id}/phone_numbers').map((e) => e.stage)).toEqual([
        'ADDING',
        'ADDING',
      ]);
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('does not register twice when the answer to the first register was lost', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /register', ...LOST_ANSWER });
      const phoneNumberId = await submitDeliveredCode(t.bench, journey);
      const view = await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'registered');
      expect(view.status).toBe('CONNECTED');
      expect(callsTo('/register', phoneNumberId)).toHaveLength(1);
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });
});
