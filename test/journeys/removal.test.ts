import { WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import {
  confirmDeletionSignal,
  confirmDeletionUpdate,
  numberEventSignal,
  requestRemovalSignal,
} from '../../src/domain/messages.js';
import { patchesIn } from '../support/history.js';
import { WaitingOn } from '../../src/domain/search-attributes.js';
import { journeyTimeline } from '../../src/audit/index.js';
import { portfolioQuery, portfolioWorkflowId } from '../../src/domain/portfolio.js';
import { eventually } from '../api/support.js';
import { startLive } from '../support/steps.js';
import { useBench } from '../support/bench.js';
import type { Harness } from '../support/harness.js';
import {
  LIFTED_RESTRICTION_PATCH,
  OTHER_ACTION_RESTRICTION_PATCH,
  RESTRICTION_ONCE_PATCH,
} from '../../src/workflows/journey/patches.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const removal = { actor: 'admin@acme', role: 'admin', reason: 'number retired' };

/**
 * A restriction of a type numberflow does not know (Meta adds types): it may concern a removal, so it blocks one. Its
 * expiration 30 days ahead.
 */
const UNKNOWN_RESTRICTION = 'A_RESTRICTION_NUMBERFLOW_DOES_NOT_KNOW';
const ADDS = 'RESTRICTED_ADD_PHONE_NUMBER_ACTION';
const unknownRestriction = (wabaId: string) =>
  ({
    kind: 'restriction',
    restrictionType: UNKNOWN_RESTRICTION,
    expiration: String(Math.floor((Date.now() + 30 * DAY) / 1000)),
    at: new Date().toISOString(),
    wabaId,
  }) as const;

/** A live journey whose removal an admin asked for, deregistered and waiting for the number's deletion. */
async function waitingForDeletion(bench: Harness) {
  const { journey, view } = await startLive(bench);
  const handle = bench.env.client.workflow.getHandle(journey.workflowId);
  await handle.signal(requestRemovalSignal, removal);
  await journey.until((v) => v.waiting?.for === 'admin', 'waiting for the deletion');
  return { journey, handle, view };
}

describe('removal blocked by a restriction (dev server + Graph sandbox)', () => {
  const t = useBench('dev');

  it('is blocked with its reason when Meta refuses the deregistration, and goes on when asked again', async () => {
    await t.bench.run(async () => {
      const { journey } = await startLive(t.bench);
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /deregister', kind: 'error', code: 200, times: 1 });
      await handle.signal(requestRemovalSignal, removal);
      const blocked = await journey.until((v) => v.waiting?.reason.startsWith('removal blocked') === true, 'blocked');
      expect(blocked.stage).toBe('REMOVING');
      expect(blocked.waiting).toMatchObject({ for: 'admin' });
      expect(blocked.waiting?.reason).toContain('Meta refused the deregistration: error 200');
      expect(blocked.waiting?.reason).toContain('portfolio admin must grant');
      // Asked again by hand through Temporal, without a reason: noted as such (the API and the CLI require one).
      await handle.signal(requestRemovalSignal, { actor: 'admin@acme', role: 'admin' } as unknown as typeof removal);
      const again = await journey.until(
        (v) => v.waiting?.reason.includes('WhatsApp Manager') === true,
        'deregistered, waiting for deletion',
      );
      expect(again.notes.map((n) => n.what)).toEqual(
        expect.arrayContaining([
          'requested the removal (number retired); sends paused',
          'asked to try the removal again (no reason given)',
        ]),
      );
      await t.bench.terminateWhenIdle(journey.workflowId);
    });
  });

  it('says a deregistration refused as not registered (133010) is one to ask again, not to register the number', async () => {
    await t.bench.run(async () => {
      const { journey } = await startLive(t.bench);
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /deregister', kind: 'error', code: 133010, times: 1 });
      await handle.signal(requestRemovalSignal, removal);
      const blocked = await journey.until((v) => v.waiting?.reason.startsWith('removal blocked') === true, 'blocked');
      expect(blocked.waiting?.reason).toContain('Meta refused the deregistration: error 133010');
      expect(blocked.waiting?.reason).toContain('not registered on the Cloud API (deregistered already');
      expect(blocked.waiting?.reason).not.toMatch(/register it with/);
      await handle.signal(requestRemovalSignal, removal);
      await journey.until((v) => v.waiting?.reason.includes('WhatsApp Manager') === true, 'waiting for deletion');
      await t.bench.terminateWhenIdle(journey.workflowId);
    });
  });

  it('is blocked by a restriction numberflow does not know, until an admin asks again', async () => {
    await t.bench.run(async () => {
      const { journey, handle } = await waitingForDeletion(t.bench);
      await handle.signal(numberEventSignal, unknownRestriction(t.bench.wabaId));
      const blocked = await journey.until((v) => v.waiting?.reason.startsWith('removal blocked') === true, 'blocked');
      expect(blocked.waiting?.reason).toContain(`Meta restricted the account (${UNKNOWN_RESTRICTION})`);
      expect(blocked.removalBlocked).toMatchObject({ reason: `Meta restricted the account (${UNKNOWN_RESTRICTION})` });
      expect(blocked.notes.map((n) => n.what)).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `restricted the account \\(${UNKNOWN_RESTRICTION}\\) until \\S+: the removal waits until it is resolved and an admin requests it again$`,
          ),
        ),
      );
      // A restriction of adds meanwhile changes nothing: the removal stays blocked, and its note says so.
      await handle.signal(numberEventSignal, { ...unknownRestriction(t.bench.wabaId), restrictionType: ADDS });
      const stillBlocked = await journey.until(
        (v) => v.notes.some((n) => n.what.includes('not a removal — the removal stays blocked')),
        'the restriction of adds noted',
      );
      expect(stillBlocked.removalBlocked).not.toBeNull();
      await handle.signal(confirmDeletionSignal, { actor: 'admin@acme' }); // not while blocked
      expect((await journey.view()).result).toBeNull();
      // Visibility shows the admin's wait, for the summary; asked again, the wait is the deletion's once more.
      const waitingOn = async () => (await handle.describe()).typedSearchAttributes.get(WaitingOn);
      await eventually(waitingOn, (wait) => wait === 'removal', 'WaitingOn removal');
      await handle.signal(requestRemovalSignal, removal);
      await eventually(waitingOn, (wait) => wait === 'deletion', 'WaitingOn deletion');
      await t.bench.terminateWhenIdle(journey.workflowId);
    });
  });
  // Last of its bench: the WABA stays restricted from adds (30 days on the sandbox's clock).
  it("goes on past an ACCOUNT_RESTRICTION of adds on the number's WABA, which a removal does not take: only noted", async () => {
    await t.bench.run(async () => {
      const { journey, handle, view } = await waitingForDeletion(t.bench);
      t.bench.sandbox.admin.restrictWaba(t.bench.wabaId, ADDS);
      await t.bench.sandbox.admin.flushWebhooks();
      // Meta's expiration (Unix seconds, 30 days on the sandbox's clock) is written as a time, in the note and the audit.
      const until =
        /restricted the account \(RESTRICTED_ADD_PHONE_NUMBER_ACTION\) until (\S+): it restricts adding phone numbers, not a removal — the removal goes on$/;
      const noted = await journey.until((v) => v.notes.some((n) => until.test(n.what)), 'the restriction noted');
      expect(noted.removalBlocked).toBeNull();
      expect(noted.waiting?.reason).toContain('WhatsApp Manager');
      const lifted = Date.parse(until.exec(noted.notes.map((n) => n.what).find((w) => until.test(w)) ?? '')?.[1] ?? '');
      expect(Math.abs(lifted - Date.now() - 30 * DAY)).toBeLessThan(DAY);
      const audit = await journeyTimeline(t.env.client, noted.e164);
      expect(audit.entries.map((e) => e.what)).toContain(
        `account restricted (RESTRICTED_ADD_PHONE_NUMBER_ACTION) until ${new Date(lifted).toISOString()}`,
      );
      expect(patchesIn(await handle.fetchHistory())).toContain(OTHER_ACTION_RESTRICTION_PATCH);
      // The removal ends as any does.
      t.bench.sandbox.admin.deleteNumber(view.phoneNumberId as string);
      await handle.signal(confirmDeletionSignal, { actor: 'admin@acme' });
      expect((await journey.until((v) => v.result !== null, 'REMOVED')).result?.outcome).toBe('REMOVED');
    });
  });
});

describe('removal and what Meta answers late or not at all (dev server + Graph sandbox)', () => {
  const t = useBench('dev');

  it('is not blocked by a restriction Meta had lifted when it came (its expiration passed): only noted', async () => {
    await t.bench.run(async () => {
      const { journey, handle } = await waitingForDeletion(t.bench);
      const lifted = Math.floor((Date.now() - 39 * DAY) / 1000);
      const restriction = { kind: 'restriction', restrictionType: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION' } as const;
      const at = new Date(Date.now() - 40 * DAY).toISOString();
      await handle.signal(numberEventSignal, {
        ...restriction,
        expiration: String(lifted),
        at,
        wabaId: t.bench.wabaId,
      });
      const noted = await journey.until(
        (v) => v.notes.some((n) => n.what.endsWith('lifted by then, the removal goes on')),
        'the lifted restriction noted',
      );
      expect(noted.removalBlocked).toBeNull();
      expect(noted.waiting?.reason.startsWith('removal blocked')).toBe(false);
      expect(patchesIn(await handle.fetchHistory())).toContain(LIFTED_RESTRICTION_PATCH);
      await t.bench.terminateWhenIdle(journey.workflowId);
    });
  });

  it('is not blocked again by the same restriction delivered again after an admin asked again: only noted', async () => {
    await t.bench.run(async () => {
      const { journey, handle } = await waitingForDeletion(t.bench);
      const restriction = { ...unknownRestriction(t.bench.wabaId), at: new Date(Date.now() - 60_000).toISOString() };
      await handle.signal(numberEventSignal, restriction);
      await journey.until((v) => v.removalBlocked !== null, 'blocked');
      // The same restriction again while blocked: still blocked, as before.
      await handle.signal(numberEventSignal, restriction);
      await handle.signal(requestRemovalSignal, { ...removal, reason: 'resolved in WhatsApp Manager' });
      await journey.until((v) => v.removalBlocked === null, 'asked again');
      // A copy that comes later still (Meta's retry, another replica's inbox) is noted; the removal goes on.
      await handle.signal(numberEventSignal, restriction);
      const noted = await journey.until(
        (v) =>
          v.notes.some((n) => n.what.endsWith('delivered again, after an admin asked again — the removal goes on')),
        'the copy noted',
      );
      expect(noted.removalBlocked).toBeNull();
      expect(noted.waiting?.reason.startsWith('removal blocked')).toBe(false);
      expect(patchesIn(await handle.fetchHistory())).toContain(RESTRICTION_ONCE_PATCH);
      // Another restriction (a later date) blocks it, as one should.
      await handle.signal(numberEventSignal, { ...restriction, at: new Date().toISOString() });
      await journey.until((v) => v.removalBlocked !== null, 'blocked by the new one');
      await t.bench.terminateWhenIdle(journey.workflowId);
    });
  });

  it('answers a deletion confirmation Meta could not be read to check as such, not as Meta still showing the number', async () => {
    await t.bench.run(async () => {
      const { journey, handle } = await waitingForDeletion(t.bench);
      // Meta refuses the read (a permission the token lost): the number's state is not known.
      t.bench.sandbox.admin.injectFault({ endpoint: 'GET /{phone-number-id}', kind: 'error', code: 200, times: 5 });
      const answer = await handle.executeUpdate(confirmDeletionUpdate, { args: [{ actor: 'admin@acme' }] });
      expect(answer).toMatchObject({ accepted: false });
      expect(answer.message).toMatch(/^Meta could not be read to check the deletion \(it refused, or did not answer\)/);
      const view = await journey.view();
      expect(view.lastError?.code).toBe(200);
      expect(view.notes.at(-1)).toMatchObject({
        actor: 'admin@acme',
        what: 'confirmed the deletion, but Meta could not be read to check it; waiting',
      });
      expect(view.waiting?.for).toBe('admin'); // after the answer, the admin's wait again
      // While Meta is slow to answer a confirmation's read, the wait is Meta's, not the admin's who just confirmed.
      t.bench.sandbox.admin.injectFault({
        endpoint: 'GET /{phone-number-id}',
        kind: 'latency',
        latencyMs: 3_000,
        times: 1,
      });
      try {
        const slow = handle.executeUpdate(confirmDeletionUpdate, { args: [{ actor: 'admin@acme' }] });
        const checking = await journey.until((v) => v.waiting?.for === 'meta', 'checking at Meta');
        expect(checking.waiting?.reason).toBe('checking at Meta that the number is gone, as admin@acme confirmed');
        expect(await slow).toMatchObject({ accepted: false });
      } finally {
        t.bench.sandbox.admin.clearFaults();
      }
      await t.bench.terminateWhenIdle(journey.workflowId);
    });
  });
});

describe('a deletion confirmed twice (dev server + Graph sandbox)', () => {
  const t = useBench('dev');

  it('answers the confirmation held for its update when the same confirmation comes by signal meanwhile', async () => {
    await t.bench.run(async () => {
      const { journey, handle, view } = await waitingForDeletion(t.bench);
      t.bench.sandbox.admin.deleteNumber(view.phoneNumberId as string);
      // Meta is slow to answer the look the confirmation makes, the next Graph call (the deleted number's id names no
      // number now, so the sandbox names the call by no endpoint but '*'): the update is held meanwhile.
      t.bench.sandbox.admin.injectFault({ endpoint: '*', kind: 'latency', latencyMs: 3_000, times: 1 });
      const update = await handle.startUpdate(confirmDeletionUpdate, {
        args: [{ actor: 'admin@acme' }],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
      await handle.signal(confirmDeletionSignal, { actor: 'other-admin@acme' });
      await expect(update.result().finally(() => t.bench.sandbox.admin.clearFaults())).resolves.toMatchObject({
        accepted: true,
      });
      const removed = await journey.until((v) => v.result !== null, 'REMOVED');
      expect(removed.result).toMatchObject({ outcome: 'REMOVED', actor: 'admin@acme' });
      expect(removed.notes.map((n) => `${n.actor}: ${n.what}`)).toContain(
        'other-admin@acme: deletion confirmation ignored: a deletion confirmation is already being worked on; wait for its outcome',
      );
      expect((await handle.describe()).status.name).toBe('COMPLETED');
    });
  });
});

describe('removal after a paid message (time-skipping server + Graph sandbox)', () => {
  const t = useBench('time-skipping');

  it("gives its registration slot back once deregistered, while it waits for the number's deletion", async () => {
    await t.bench.run(async () => {
      const { journey, handle } = await waitingForDeletion(t.bench);
      const { e164 } = await journey.view();
      const portfolio = t.env.client.workflow.getHandle(portfolioWorkflowId(t.bench.portfolioId));
      await eventually(
        async () => (await portfolio.query(portfolioQuery)).holders.map((h) => h.e164),
        (holders) => !holders.includes(e164),
        'the slot given back',
      );
      expect((await journey.view()).stage).toBe('REMOVING');
      expect(patchesIn(await handle.fetchHistory())).toContain('removal-gives-the-slot-back-once-deregistered');
      t.bench.sandbox.admin.deleteNumber((await journey.view()).phoneNumberId as string);
      await handle.signal(confirmDeletionSignal, { actor: 'admin@acme' });
      expect((await journey.until((v) => v.result !== null, 'REMOVED')).result?.outcome).toBe('REMOVED');
      // Given back once: the ending sends no second release.
      const releases = (await handle.fetchHistory()).events?.filter(
        (e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'releaseSlot',
      );
      expect(releases).toHaveLength(1);
    });
  });

  it('waits out the 30-day block after a paid message before asking an admin to delete the number', async () => {
    await t.bench.run(async () => {
      const { journey, view } = await startLive(t.bench, t.bench.input({}, new Date(await t.env.currentTimeMs())));
      const phoneNumberId = view.phoneNumberId as string;
      // The test server's clock runs ahead of the sandbox's (time skipped by earlier tests): align them first.
      t.bench.sandbox.admin.advanceClock(Math.max(0, (await t.env.currentTimeMs()) - t.bench.sandbox.admin.now()));
      t.bench.sandbox.admin.recordPaidMessage(phoneNumberId); // its billable status webhook reaches the journey
      await t.bench.sandbox.admin.flushWebhooks();
      await journey.until((v) => v.recentEvents.some((e) => e.kind === 'paid_message'), 'paid message recorded');

      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      await handle.signal(requestRemovalSignal, removal);
      const blocked = await journey.until((v) => v.stage === 'REMOVING' && v.waiting?.for === 'meta', '30-day wait');
      expect(blocked.waiting?.reason).toContain('30 days after a paid message');
      expect(Date.parse(blocked.deadlines.deletionAllowedAt as string) - (await t.env.currentTimeMs())).toBeGreaterThan(
        29 * DAY,
      );
      expect(() => t.bench.sandbox.admin.deleteNumber(phoneNumberId)).toThrow(/paid message in the last 30 days/);
      // A confirmation now is refused, saying until when: it waited unanswered for the block's end, then refused
      // every later one as already under way.
      const early = await handle
        .executeUpdate(confirmDeletionUpdate, { args: [{ actor: 'admin@acme' }] })
        .catch((err: unknown) => err);
      expect(early).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(String((early as WorkflowUpdateFailedError).cause?.message)).toBe(
        `Meta refuses to delete the number until ${blocked.deadlines.deletionAllowedAt}, 30 days after its last paid message (with an hour's margin: numberflow hears of paid messages once an hour): delete it in WhatsApp Manager from then on, then confirm`,
      );
      // An hour's margin: the router tells the journey of a number's paid messages once an hour at most.
      const paidAt = blocked.recentEvents.findLast((e) => e.kind === 'paid_message')?.at ?? '';
      expect(Date.parse(blocked.deadlines.deletionAllowedAt as string) - Date.parse(paidAt)).toBe(30 * DAY + HOUR);

      await t.env.sleep(30 * DAY + HOUR / 6);
      expect((await journey.view()).waiting?.for).toBe('meta'); // 30 days after the message, within the margin
      await t.env.sleep(HOUR);
      await journey.until((v) => v.waiting?.for === 'admin', 'waiting for the admin');
      t.bench.sandbox.admin.advanceClock(30 * DAY);
      t.bench.sandbox.admin.deleteNumber(phoneNumberId);
      await handle.signal(confirmDeletionSignal, { actor: 'admin@acme' });
      const removed = await journey.until((v) => v.result !== null, 'REMOVED');
      expect(removed.result).toMatchObject({ outcome: 'REMOVED', actor: 'admin@acme' });
    });
  });
});

describe("a deletion during the deregistration's wait for Meta's register limit (time-skipping server + Graph sandbox)", () => {
  const t = useBench('time-skipping');

  it('looks at once: refused while Meta shows the number, the wait going on; the number gone, the removal ends', async () => {
    await t.bench.run(async () => {
      const { journey, view } = await startLive(t.bench, t.bench.input({}, new Date(await t.env.currentTimeMs())));
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      // Meta's register limit (133016) on the deregistration: a wait of 72 hours.
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /deregister', kind: 'error', code: 133016, times: 5 });
      await handle.signal(requestRemovalSignal, removal);
      const limited = await journey.until((v) => v.lastError?.code === 133016 && v.waiting?.for === 'meta', '133016');
      const confirm = () => handle.executeUpdate(confirmDeletionUpdate, { args: [{ actor: 'admin@acme' }] });
      const early = await confirm();
      expect(early).toMatchObject({ accepted: false });
      expect(early.message).toMatch(/^Meta still shows the number: numberflow deregisters it first/);
      const still = await journey.until((v) => v.waiting?.for === 'meta', 'waiting for Meta again');
      expect(still.waiting).toEqual(limited.waiting); // the same wait, to the same end

      t.bench.sandbox.admin.deleteNumber(view.phoneNumberId as string);
      expect(await confirm()).toEqual({
        accepted: true,
        message: 'Meta no longer shows the number: the journey ends REMOVED',
        attemptsLeft: null,
      });
      const removed = await journey.until((v) => v.result !== null, 'REMOVED');
      expect(removed.result).toMatchObject({ outcome: 'REMOVED', actor: 'admin@acme' });
      expect(removed.result?.reason).toContain('confirmed by admin@acme');
      // Within the 72 hours: it did not wait them out.
      expect(await t.env.currentTimeMs()).toBeLessThan(Date.parse(limited.waiting?.until as string));
      expect(patchesIn(await handle.fetchHistory())).toContain('deletion-confirmed-during-the-deregister-wait');
      t.bench.sandbox.admin.clearFaults();
    });
  });
});
