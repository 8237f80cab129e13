import { describe, expect, it } from 'vitest';
import { journeyPolicy } from '../../src/domain/policy.js';
import {
  cancelUpdate,
  displayNameSignal,
  numberEventSignal,
  requestRemovalSignal,
  requestRemovalUpdate,
  resendCodeUpdate,
  setIdentityCheckUpdate,
  submitDisplayNameUpdate,
  submitOtpUpdate,
} from '../../src/domain/messages.js';
import { journeyTimeline } from '../../src/audit/journey-timeline.js';
import { addedByHand, decideName, startLive, submitDeliveredCode, verifiedByHand } from '../support/steps.js';
import { eventually } from '../http/inbox-support.js';
import { useBench } from '../support/bench.js';
import { patchesIn } from '../support/history.js';
import { freshNumber } from '../support/journeys.js';
import {
  EARLIER_NAME_DECISION_PATCH,
  NAME_HOSTS_PATCH,
  READ_AFTER_IGNORED_DECISION_PATCH,
  REMOVAL_STOPS_RENAME_PATCH,
  RENAME_WINDOW_FROM_DECISION_PATCH,
  UNDATED_NAME_DECISION_PATCH,
} from '../../src/workflows/journey/patches.js';

const DAY = 24 * 60 * 60 * 1000;
/** The note of an adopted journey that follows Meta's name, not the "Acme Help Desk" it was given. */
const FOLLOWS_META_NAME =
  'Meta has the number under the display name "Acme Support", not "Acme Help Desk": the journey follows Meta\'s; ask for a name change once live to use another';

describe('the display name (dev server + Graph sandbox)', () => {
  const t = useBench('dev');

  const registerCalls = (phoneNumberId: string) =>
    t.bench.sandbox.admin.calls().filter((c) => c.endpoint.endsWith('/register') && c.path.includes(phoneNumberId));
  /** POST /{phone-number-id}: a name change (new_display_name) of the number. */
  const nameChangeCalls = (phoneNumberId: string) =>
    t.bench.sandbox.admin
      .calls()
      .filter((c) => c.endpoint === 'POST /{phone-number-id}' && c.path.includes(phoneNumberId));

  it('refuses an 11th name in 30 days before asking Meta, saying from when it may be submitted', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      await submitDeliveredCode(t.bench, journey);
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      const submit = (n: number) =>
        handle.executeUpdate(submitDisplayNameUpdate, { args: [{ displayName: `Acme Care ${n}`, actor: 'ops@acme' }] });
      // Ten names asked for and declined, one after another.
      for (let n = 1; n <= journeyPolicy.nameChangesPerWindow; n++) {
        await decideName(t.bench, journey, 'REJECTED');
        await journey.until((v) => v.stage === 'AWAITING_NEW_NAME', `name ${n} declined`);
        expect(await submit(n)).toMatchObject({ accepted: true });
      }
      await decideName(t.bench, journey, 'REJECTED');
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_NEW_NAME', 'the tenth declined');
      const asked = nameChangeCalls(phoneNumberId as string).length;
      const refused = await submit(11).catch((err: Error) => (err.cause as Error | undefined)?.message);
      expect(refused).toMatch(
        /^Meta allows 10 display-name changes of a number in 30 days, and this number's are spent: submit it from \S+Z$/,
      );
      expect(nameChangeCalls(phoneNumberId as string)).toHaveLength(asked); // Meta was not asked
      await handle.terminate('test done');
    });
  });

  it("ignores a decision Meta dated before the name was sent (an earlier request's, delivered again), and follows the one on it", async () => {
    await t.bench.run(async () => {
      const input = t.bench.input({ displayName: 'Acme Stale' });
      const journey = await t.bench.start(input);
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      const earlier = (decision: string, requestedName: string, agoMs: number) => ({
        kind: 'name' as const,
        decision,
        requestedName,
        rejectionReason: decision === 'REJECTED' ? 'NAME_NOT_CONSISTENT' : null,
        at: new Date(Date.now() - agoMs).toISOString(),
        wabaId: t.bench.wabaId,
      });
      // A journey of the number before this one had its name rejected; Meta delivers it again (for up to 7 days).
      const stale = earlier('REJECTED', 'Acme Stale', 2 * 60 * 60 * 1000);
      await handle.signal(numberEventSignal, stale);
      const ignored =
        /^REJECTED of "Acme Stale" dated \S+, before the name was sent for review at \S+: an earlier request's, ignored$/;
      await journey.until(
        (v) => v.notes.some((n) => n.actor === 'meta' && ignored.test(n.what)),
        'the earlier decision noted and ignored',
      );
      // The auditor reads it beside the webhook: when Meta dated it, and that it was ignored.
      const { entries } = await journeyTimeline(t.env.client, input.phoneNumber.e164);
      expect(entries.find((e) => e.kind === 'webhook')).toMatchObject({
        actor: 'meta',
        what: 'display name "Acme Stale" REJECTED (NAME_NOT_CONSISTENT)',
        sentAt: stale.at,
        outcome: expect.stringMatching(ignored),
      });
      await submitDeliveredCode(t.bench, journey);
      await decideName(t.bench, journey, 'APPROVED'); // in review: Meta's decision on this request settles it
      const live = await journey.until((v) => v.stage === 'LIVE', 'LIVE');
      expect(live.displayName).toEqual({ current: 'Acme Stale', pending: null, status: 'APPROVED' });
      // A live rename: an approval of the same name dated days before it was asked for applies nothing.
      await handle.executeUpdate(submitDisplayNameUpdate, { args: [{ displayName: 'Acme Fresh', actor: 'ops@acme' }] });
      await journey.until((v) => v.displayName.pending === 'Acme Fresh', 'Acme Fresh under review');
      t.bench.sandbox.admin.clearCalls();
      await handle.signal(numberEventSignal, earlier('APPROVED', 'Acme Fresh', 3 * DAY));
      const renaming = await journey.until(
        (v) => v.notes.some((n) => n.what.startsWith('APPROVED of "Acme Fresh"') && n.what.endsWith('ignored')),
        'the earlier approval ignored',
      );
      expect(renaming.displayName).toMatchObject({
        current: 'Acme Stale',
        pending: 'Acme Fresh',
        status: 'PENDING_REVIEW',
      });
      expect(registerCalls(live.phoneNumberId as string)).toEqual([]);
      // Meta's status of the name is read at once (Meta's clock may be behind), not at the 12-hourly read.
      await eventually(
        () => t.bench.sandbox.admin.calls().some((c) => c.endpoint === 'GET /{phone-number-id}'),
        "Meta's status of the name read",
      );
      const history = await handle.fetchHistory();
      expect(patchesIn(history)).toContain(EARLIER_NAME_DECISION_PATCH);
      expect(patchesIn(history)).toContain(READ_AFTER_IGNORED_DECISION_PATCH);
      // A decision Meta sent without a date is dated by the host that received it, whose clock orders nothing against
      // Temporal's (one behind made it "earlier"): it is taken, whatever that date says.
      await handle.signal(numberEventSignal, { ...earlier('APPROVED', 'Acme Fresh', 3 * DAY), undated: true });
      const renamed = await journey.until((v) => v.displayName.pending === null, 'the undated approval taken');
      expect(renamed.displayName).toMatchObject({ current: 'Acme Fresh', status: 'APPROVED' });
      expect(renamed.notes.filter((n) => n.what.endsWith('ignored'))).toHaveLength(2);
      expect(patchesIn(await handle.fetchHistory())).toContain(UNDATED_NAME_DECISION_PATCH);
      // The auditor reads no date of Meta's for it: the one it carries is when the receiving host took it in.
      const approvals = (await journeyTimeline(t.env.client, input.phoneNumber.e164)).entries.filter(
        (e) => e.kind === 'webhook' && e.what === 'display name "Acme Fresh" APPROVED',
      );
      expect(approvals.map((e) => e.sentAt === undefined)).toEqual([false, true]);
      await t.bench.terminateWhenIdle(journey.workflowId);
    });
  });

  it('asks for a new name when Meta rejects one, and goes live once the new one is approved', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input({ displayName: 'Best Deals Ever' }));
      const phoneNumberId = await submitDeliveredCode(t.bench, journey);
      await decideName(t.bench, journey, 'REJECTED');
      const rejected = await journey.until((v) => v.stage === 'AWAITING_NEW_NAME', 'AWAITING_NEW_NAME');
      expect(rejected.waiting).toMatchObject({ for: 'operator' });
      expect(rejected.waiting?.reason).toContain(
        'Meta rejected the display name "Best Deals Ever" (NAME_FORMAT_UNACCEPTABLE)',
      );

      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      const refused = await handle
        .executeUpdate(submitDisplayNameUpdate, { args: [{ displayName: 'x', actor: 'ops@acme' }] })
        .catch((err: Error & { cause?: Error }) => err.cause?.message);
      expect(refused).toBe('the display name must be at least 3 characters');
      // The name Meta rejected again (its spaces aside) would be reviewed again for nothing.
      const again = await handle
        .executeUpdate(submitDisplayNameUpdate, { args: [{ displayName: ' Best  Deals Ever', actor: 'ops@acme' }] })
        .catch((err: Error & { cause?: Error }) => err.cause?.message);
      expect(again).toBe('Meta rejected "Best Deals Ever": submit another name');
      // A second name Meta rejects is refused again too, not only the first.
      await handle.executeUpdate(submitDisplayNameUpdate, { args: [{ displayName: 'Acme Deals', actor: 'ops@acme' }] });
      await journey.until((v) => v.displayName.pending === 'Acme Deals', 'Acme Deals under review');
      await decideName(t.bench, journey, 'REJECTED');
      const second = await journey.until(
        (v) => v.stage === 'AWAITING_NEW_NAME' && v.waiting?.reason.includes('"Acme Deals"') === true,
        'Acme Deals rejected',
      );
      // The name Meta holds, and declined, is the second: it replaced the first, never approved.
      expect(second.displayName).toEqual({ current: 'Acme Deals', pending: null, status: 'DECLINED' });
      const secondAgain = await handle
        .executeUpdate(submitDisplayNameUpdate, { args: [{ displayName: 'Acme Deals', actor: 'ops@acme' }] })
        .catch((err: Error & { cause?: Error }) => err.cause?.message);
      expect(secondAgain).toBe('Meta rejected "Acme Deals": submit another name');
      expect(
        await handle.executeUpdate(submitDisplayNameUpdate, {
          args: [{ displayName: 'Acme Support', actor: 'ops@acme' }],
        }),
      ).toEqual({ accepted: true, message: 'display name submitted for review', attemptsLeft: null });
      expect((await journey.view()).displayName).toEqual({
        current: 'Acme Deals',
        pending: 'Acme Support',
        status: 'PENDING_REVIEW',
      });

      await decideName(t.bench, journey, 'APPROVED');
      const live = await journey.until((v) => v.stage === 'LIVE', 'LIVE');
      expect(live.displayName).toEqual({ current: 'Acme Support', pending: null, status: 'APPROVED' });
      // Each rejection stays in the notes once the next name was submitted (the waiting reason said it until then).
      expect(live.notes.filter((n) => n.what.startsWith('rejected')).map((n) => [n.actor, n.what])).toEqual([
        ['meta', 'rejected the display name "Best Deals Ever" (NAME_FORMAT_UNACCEPTABLE)'],
        ['meta', 'rejected the display name "Acme Deals" (NAME_FORMAT_UNACCEPTABLE)'],
      ]);
      // Meta applies an approved name change at the next register.
      expect(registerCalls(phoneNumberId)).toHaveLength(2);
      // No verification was asked again: the rename's patch is not decided here (no marker for a plain rename).
      expect(patchesIn(await handle.fetchHistory())).not.toContain('rename-verifies-afresh');
      const atMeta = await t.bench.graph.getPhoneNumber({ wabaId: t.bench.wabaId, phoneNumberId }, ['verified_name']);
      expect(atMeta.verified_name).toBe('Acme Support');
      // Once Meta approved a name, one it declined before may be asked for again (its reasons may be fixed).
      expect(
        await handle.executeUpdate(submitDisplayNameUpdate, {
          args: [{ displayName: 'Acme Deals', actor: 'ops@acme' }],
        }),
      ).toMatchObject({ accepted: true });
    });
  });

  it('keeps waiting for another name when Meta refuses the new one, instead of failing the journey', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input({ displayName: 'Best Deals Ever' }));
      await submitDeliveredCode(t.bench, journey);
      await decideName(t.bench, journey, 'REJECTED');
      await journey.until((v) => v.stage === 'AWAITING_NEW_NAME', 'AWAITING_NEW_NAME');
      const { until } = (await journey.view()).waiting ?? {};
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /phone_number', kind: 'error', code: 131009, times: 1 });
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      const refused = await handle.executeUpdate(submitDisplayNameUpdate, {
        args: [{ displayName: 'Acme Deals', actor: 'ops@acme' }],
      });
      expect(refused).toMatchObject({ accepted: false, message: expect.stringContaining('131009') });
      expect(refused.message).toContain('the journey still waits for a new name until its wait ends');
      const waiting = await journey.view();
      expect(waiting).toMatchObject({ stage: 'AWAITING_NEW_NAME', result: null, displayName: { pending: null } });
      expect(waiting.waiting?.until).toBe(until); // the same deadline: a refusal does not lengthen the wait
      expect(waiting.notes.map((n) => n.what)).toContainEqual(
        expect.stringContaining('refused the display name "Acme Deals"'),
      );

      await handle.executeUpdate(submitDisplayNameUpdate, {
        args: [{ displayName: 'Acme Support', actor: 'ops@acme' }],
      });
      await decideName(t.bench, journey, 'APPROVED');
      expect((await journey.until((v) => v.stage === 'LIVE', 'LIVE')).displayName.current).toBe('Acme Support');
    });
  });

  it('reads the name status first of a number it found on the WABA, whose name Meta decided before', async () => {
    await t.bench.run(async () => {
      const { input, id } = await addedByHand(t.bench);
      t.bench.sandbox.admin.decideDisplayName(id, 'APPROVED'); // its webhook reaches no journey: none runs yet
      await t.bench.sandbox.admin.flushWebhooks();
      const journey = await t.bench.start(input);
      await submitDeliveredCode(t.bench, journey);
      // Meta sends no webhook for a name it decided before: the journey reads it, instead of waiting for the review.
      const live = await journey.until((v) => v.stage === 'LIVE', 'LIVE');
      expect(live.displayName).toMatchObject({ current: input.displayName, status: 'APPROVED' });
    });
  });

  it('asks Meta for the name an Embedded Signup gave instead of the one Meta has not approved, and goes live under it', async () => {
    await t.bench.run(async () => {
      // The customer added the number in Embedded Signup as "Acme Support", still under review; the signup gave another.
      const { input, id } = await addedByHand(t.bench);
      const adopted = { ...input, phoneNumberId: id, displayName: 'Acme Help Desk', replacesMetaName: true };
      const journey = await t.bench.start(adopted);
      // Pending from before the call to Meta; asked once Meta answered it (the note after it).
      const asked = await journey.until(
        (v) => v.notes.some((n) => n.what === 'submitted the display name "Acme Help Desk" for review'),
        'the given name asked for',
      );
      expect(asked.displayName).toEqual({
        current: 'Acme Support',
        pending: 'Acme Help Desk',
        status: 'PENDING_REVIEW',
      });
      expect(asked.notes.map((n) => `${n.actor}: ${n.what}`)).toEqual(
        expect.arrayContaining([
          'numberflow: Meta has the number under the display name "Acme Support", not "Acme Help Desk", and has not approved it: asking Meta for "Acme Help Desk" instead',
          'test-suite: submitted the display name "Acme Help Desk" for review',
        ]),
      );
      expect(nameChangeCalls(id)).toHaveLength(1);
      // Meta approves it while the journey verifies, and its webhook is lost: the review's first read finds it.
      t.bench.sandbox.admin.injectFault({ endpoint: 'phone_number_name_update', kind: 'drop_webhook', times: 1 });
      t.bench.sandbox.admin.decideDisplayName(id, 'APPROVED');
      await t.bench.sandbox.admin.flushWebhooks();
      await submitDeliveredCode(t.bench, journey);
      const live = await journey.until((v) => v.stage === 'LIVE', 'LIVE');
      expect(live.displayName).toEqual({ current: 'Acme Help Desk', pending: null, status: 'APPROVED' });
      // Meta took it as the number's name (its own never approved): in effect with the one register, as a first name.
      expect(registerCalls(id)).toHaveLength(1);
      expect(patchesIn(await t.env.client.workflow.getHandle(journey.workflowId).fetchHistory())).toEqual(
        expect.arrayContaining(['adopted-number-asks-for-the-given-name', 'name-read-takes-a-replaced-name']),
      );
    });
  });

  it('asks for no given name for a number registered before its journey: a change would need a register with its PIN', async () => {
    await t.bench.run(async () => {
      const { input, id } = await verifiedByHand(t.bench, { registered: true }); // its name still under review
      const adopted = { ...input, phoneNumberId: id, displayName: 'Acme Help Desk', replacesMetaName: true };
      const journey = await t.bench.start(adopted);
      const reviewed = await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'in review');
      expect(reviewed.displayName).toEqual({ current: 'Acme Support', pending: null, status: 'PENDING_REVIEW' });
      expect(reviewed.notes.map((n) => n.what)).toContain(FOLLOWS_META_NAME);
      expect(nameChangeCalls(id)).toEqual([]);
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('follows the name Meta approved for an adopted number, whatever name an Embedded Signup gave instead', async () => {
    await t.bench.run(async () => {
      const { input, id } = await addedByHand(t.bench);
      t.bench.sandbox.admin.decideDisplayName(id, 'APPROVED');
      await t.bench.sandbox.admin.flushWebhooks();
      const adopted = { ...input, phoneNumberId: id, displayName: 'Acme Help Desk', replacesMetaName: true };
      const journey = await t.bench.start(adopted);
      await submitDeliveredCode(t.bench, journey);
      const live = await journey.until((v) => v.stage === 'LIVE', 'LIVE');
      expect(live.displayName).toEqual({ current: 'Acme Support', pending: null, status: 'APPROVED' });
      expect(live.notes.map((n) => n.what)).toContain(FOLLOWS_META_NAME);
      expect(nameChangeCalls(id)).toEqual([]);
      expect(patchesIn(await t.env.client.workflow.getHandle(journey.workflowId).fetchHistory())).not.toContain(
        'adopted-number-asks-for-the-given-name',
      );
    });
  });

  it('changes the name of a live number and registers again within 14 days of the approval', async () => {
    await t.bench.run(async () => {
      const { journey, view } = await startLive(t.bench);
      const phoneNumberId = view.phoneNumberId as string;
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      // Its own name again would be reviewed for nothing, and an approval cost a register call.
      const same = await handle
        .executeUpdate(submitDisplayNameUpdate, { args: [{ displayName: 'Acme Support', actor: 'ops@acme' }] })
        .catch((err: Error & { cause?: Error }) => err.cause?.message);
      expect(same).toBe(`"Acme Support" is the number's display name already`);
      await handle.executeUpdate(submitDisplayNameUpdate, {
        args: [{ displayName: 'Acme Help Desk', actor: 'ops@acme' }],
      });
      const pending = await journey.until((v) => v.displayName.pending === 'Acme Help Desk', 'change pending');
      expect(pending).toMatchObject({
        stage: 'LIVE',
        displayName: { current: 'Acme Support', status: 'PENDING_REVIEW' },
      });
      const second = await handle
        .executeUpdate(submitDisplayNameUpdate, { args: [{ displayName: 'Another Name', actor: 'ops@acme' }] })
        .catch((err: Error & { cause?: Error }) => err.cause?.message);
      expect(second).toBe('a display-name change is already under way');

      await decideName(t.bench, journey, 'APPROVED');
      const renamed = await journey.until(
        (v) => v.stage === 'LIVE' && v.displayName.current === 'Acme Help Desk',
        'renamed',
      );
      expect(renamed.displayName).toEqual({ current: 'Acme Help Desk', pending: null, status: 'APPROVED' });
      expect(renamed.deadlines.reRegisterBy).toBeNull();
      expect(renamed.notes.map((n) => `${n.actor}: ${n.what}`).slice(-2)).toEqual([
        'meta: approved the display name "Acme Help Desk"; registering again to apply it',
        'numberflow: registered again: the display name "Acme Help Desk" is in effect',
      ]);
      expect(registerCalls(phoneNumberId)).toHaveLength(2);
      // No verification was asked again: the rename's patch is not decided here (no marker for a plain rename).
      expect(patchesIn(await handle.fetchHistory())).not.toContain('rename-verifies-afresh');
      const atMeta = await t.bench.graph.getPhoneNumber({ wabaId: t.bench.wabaId, phoneNumberId }, ['verified_name']);
      expect(atMeta.verified_name).toBe('Acme Help Desk');
      await handle.terminate('test done');
    });
  });

  it('takes a name with an abbreviation the host rule took for a web address before, by signal behind its patch', async () => {
    await t.bench.run(async () => {
      const { journey } = await startLive(t.bench);
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      const host = await handle
        .executeUpdate(submitDisplayNameUpdate, { args: [{ displayName: 'Acme.de Support', actor: 'ops@acme' }] })
        .catch((err: Error & { cause?: Error }) => err.cause?.message);
      expect(host).toBe('the display name may not contain a URL or web address ("Acme.de")');
      await handle.signal(displayNameSignal, { displayName: 'Müller GmbH & Co.KG', actor: 'ops@acme' });
      const pending = await journey.until((v) => v.displayName.pending !== null, 'change pending');
      expect(pending.displayName.pending).toBe('Müller GmbH & Co.KG');
      // A signal only the rule before refused: the patch decided, so that a history from before replays refused.
      expect(patchesIn(await handle.fetchHistory())).toContain(NAME_HOSTS_PATCH);
      await handle.terminate('test done');
    });
  });
});

describe('a rename after an onboarding that spent its codes (dev server + Graph sandbox)', () => {
  const t = useBench('dev');

  it("verifies the number again with the codes counted afresh, not the onboarding's", async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      // The onboarding asks for every code a journey may: the first and four resends.
      for (let requested = 1; requested < journeyPolicy.maxCodeRequests; requested++) {
        await journey.until((v) => v.stage === 'AWAITING_OTP' && v.attempts.codeRequests === requested, 'a code');
        await handle.executeUpdate(resendCodeUpdate, { args: [{ actor: 'ops@acme' }] });
      }
      await journey.until((v) => v.attempts.codeRequests === journeyPolicy.maxCodeRequests, 'every code asked');
      await submitDeliveredCode(t.bench, journey);
      await decideName(t.bench, journey, 'APPROVED');
      await journey.until((v) => v.stage === 'LIVE', 'LIVE');

      // Past Meta's 14 days, a register asks for the number to be verified again (133006).
      t.bench.sandbox.admin.advanceClock(15 * DAY);
      await handle.executeUpdate(submitDisplayNameUpdate, {
        args: [{ displayName: 'Acme Help Desk', actor: 'ops@acme' }],
      });
      await decideName(t.bench, journey, 'APPROVED');
      const asking = await journey.until((v) => v.stage === 'AWAITING_OTP', 'a code for the rename');
      expect(asking.attempts).toMatchObject({ codeRequests: 1, wrongCodes: 0, wrongPins: 0 });
      // Approved, not yet in effect: the name waits for the number's register (it read PENDING_REVIEW meanwhile).
      expect(asking.displayName).toEqual({ current: 'Acme Support', pending: 'Acme Help Desk', status: 'APPROVED' });
      // The round has its own 5 codes; past them, a live number is not offered a cancel (it is removed, never cancelled).
      for (let requested = 1; requested < journeyPolicy.maxCodeRequests; requested++) {
        await journey.until((v) => v.stage === 'AWAITING_OTP' && v.attempts.codeRequests === requested, 'a code');
        await handle.executeUpdate(resendCodeUpdate, { args: [{ actor: 'ops@acme' }] });
      }
      await journey.until((v) => v.attempts.codeRequests === journeyPolicy.maxCodeRequests, "the round's codes");
      const spent = await handle
        .executeUpdate(resendCodeUpdate, { args: [{ actor: 'ops@acme' }] })
        .catch((err: Error & { cause?: Error }) => err.cause?.message);
      expect(spent).toBe('5 of 5 codes have been requested, the most a journey asks for: submit the latest code');
      await submitDeliveredCode(t.bench, journey);
      const renamed = await journey.until((v) => v.displayName.current === 'Acme Help Desk', 'renamed');
      expect(renamed.stage).toBe('LIVE');
      await handle.terminate('test done');
    });
  });
});

describe('a live rename that verifies the number again, and a removal (dev server + Graph sandbox)', () => {
  const t = useBench('dev');

  it('stops the rename and removes the number, by update and by signal', async () => {
    await t.bench.run(async () => {
      const live = [await startLive(t.bench), await startLive(t.bench)];
      // Past Meta's 14 days, a register asks for the number to be verified again (133006).
      t.bench.sandbox.admin.advanceClock(15 * DAY);
      const handles = live.map(({ journey }) => t.env.client.workflow.getHandle(journey.workflowId));
      for (const [i, { journey }] of live.entries()) {
        await handles[i]!.executeUpdate(submitDisplayNameUpdate, {
          args: [{ displayName: 'Acme Help Desk', actor: 'ops@acme' }],
        });
        await decideName(t.bench, journey, 'APPROVED');
        const asking = await journey.until((v) => v.stage === 'AWAITING_OTP', 'a code for the rename');
        expect(asking.wentLive).toBe(true); // the console offers the removal, not a cancel
      }
      const [byUpdate, bySignal] = handles as [(typeof handles)[number], (typeof handles)[number]];
      const refusedCancel = await byUpdate
        .executeUpdate(cancelUpdate, { args: [{ actor: 'ops@acme', reason: 'stop the rename' }] })
        .catch((err: Error & { cause?: Error }) => err.cause?.message);
      expect(refusedCancel).toBe(
        "a live number's journey cannot be cancelled (stage AWAITING_OTP); request its removal instead",
      );
      // It was refused too ("removal applies to a live number"): neither way out was open until the rename ended.
      const removal = { actor: 'admin@acme', role: 'admin', reason: 'number retired' };
      expect(await byUpdate.executeUpdate(requestRemovalUpdate, { args: [removal] })).toMatchObject({
        accepted: true,
        pending: true,
        message: expect.stringMatching(/^removing: /),
      });
      await bySignal.signal(requestRemovalSignal, removal);
      for (const [i, { journey, view }] of live.entries()) {
        const removing = await journey.until((v) => v.stage === 'REMOVING', 'removing');
        expect(removing.displayName).toEqual({ current: 'Acme Support', pending: null, status: 'STOPPED_FOR_REMOVAL' });
        expect(removing.deadlines.reRegisterBy).toBeNull();
        // Straight from the rename's code wait: no LIVE on the way, which the number was not in.
        expect(removing.stagesEntered.slice(-2).map((s) => s.stage)).toEqual(['AWAITING_OTP', 'REMOVING']);
        expect(removing.notes.map((n) => `${n.actor}: ${n.what}`)).toContain(
          "numberflow: the display-name change stopped: an admin requested the number's removal; " +
            '"Acme Help Desk" was not applied, the number keeps "Acme Support"',
        );
        // The rename's code is no longer asked for: the stage says so.
        const code = t.bench.sandbox.admin.latestCode(view.phoneNumberId as string) as string;
        const late = await handles[i]!.executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'ops@acme' }] }).catch(
          (err: Error & { cause?: Error }) => err.cause?.message,
        );
        expect(late).toMatch(/stage REMOVING/);
        expect(patchesIn(await handles[i]!.fetchHistory())).toContain(REMOVAL_STOPS_RENAME_PATCH);
        await handles[i]!.terminate('test done');
      }
    });
  });

  it('stops a rename still under review for a removal, which it no longer leaves pending for good', async () => {
    await t.bench.run(async () => {
      const { journey } = await startLive(t.bench);
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      await handle.executeUpdate(submitDisplayNameUpdate, {
        args: [{ displayName: 'Acme Care', actor: 'ops@acme' }],
      });
      await journey.until((v) => v.displayName.status === 'PENDING_REVIEW', 'under review');
      await handle.executeUpdate(requestRemovalUpdate, {
        args: [{ actor: 'admin@acme', role: 'admin', reason: 'number retired' }],
      });
      const removing = await journey.until((v) => v.stage === 'REMOVING', 'removing');
      expect(removing.displayName).toEqual({ current: 'Acme Support', pending: null, status: 'STOPPED_FOR_REMOVAL' });
      expect(removing.stagesEntered.slice(-2).map((s) => s.stage)).toEqual(['LIVE', 'REMOVING']);
      await handle.terminate('test done');
    });
  });

  it("counts the 14 days to register a renamed number again from Meta's approval, as Meta does", async () => {
    await t.bench.run(async () => {
      const { journey } = await startLive(t.bench);
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      // Meta refuses the register for its 72-hour limit: the journey waits, its deadline in view.
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'error', code: 133016, times: 20 });
      await handle.executeUpdate(submitDisplayNameUpdate, { args: [{ displayName: 'Acme Dated', actor: 'ops@acme' }] });
      await journey.until((v) => v.displayName.status === 'PENDING_REVIEW', 'under review');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // Meta approved a second ago; its webhook comes now (late, or held while Temporal was down).
      const decidedAt = new Date(Date.now() - 1000).toISOString();
      const approval = {
        kind: 'name' as const,
        decision: 'APPROVED',
        requestedName: 'Acme Dated',
        rejectionReason: null,
      };
      await handle.signal(numberEventSignal, { ...approval, at: decidedAt, wabaId: t.bench.wabaId });
      const waiting = await journey.until((v) => v.deadlines.reRegisterBy !== null, 'registering again');
      expect(waiting.deadlines.reRegisterBy).toBe(new Date(Date.parse(decidedAt) + 14 * DAY).toISOString());
      expect(patchesIn(await handle.fetchHistory())).toContain(RENAME_WINDOW_FROM_DECISION_PATCH);
      t.bench.sandbox.admin.clearFaults();
      await handle.terminate('test done');
    });
  });

  it('applies the name whose register is under way when a removal comes, then removes the number', async () => {
    await t.bench.run(async () => {
      const { journey } = await startLive(t.bench);
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      await handle.executeUpdate(submitDisplayNameUpdate, {
        args: [{ displayName: 'Acme Care', actor: 'ops@acme' }],
      });
      // Meta is slow to answer the register that applies the approved name; the removal comes meanwhile.
      t.bench.sandbox.admin.clearCalls();
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'latency', latencyMs: 2_000, times: 1 });
      await decideName(t.bench, journey, 'APPROVED');
      await journey.until((v) => v.deadlines.reRegisterBy !== null, 'registering again to apply the name');
      const sentAt = Date.now();
      await handle.signal(requestRemovalSignal, { actor: 'admin@acme', role: 'admin', reason: 'number retired' });
      const removing = await journey.until((v) => v.stage === 'REMOVING', 'removing');
      // The register Meta answered applied the name: the number is removed under it, nothing stopped.
      expect(removing.displayName).toEqual({ current: 'Acme Care', pending: null, status: 'APPROVED' });
      // The removal was sent while the register was under way (a local activity: its signal is taken once the
      // register answers, in the task that applies the name).
      const at = (what: string) => Date.parse(removing.notes.find((n) => n.what.startsWith(what))?.at ?? '');
      expect(at('approved the display name "Acme Care"')).toBeLessThan(sentAt);
      expect(at('registered again: the display name "Acme Care" is in effect')).toBeGreaterThan(sentAt);
      expect(removing.notes.map((n) => n.what).join('\n')).not.toContain('display-name change stopped');
      expect(t.bench.sandbox.admin.calls().filter((c) => c.endpoint.endsWith('/register'))).toHaveLength(1);
      await handle.terminate('test done');
    });
  });

  it("ends only the rename when its verification's attempts are spent, saying so", async () => {
    await t.bench.run(async () => {
      const { journey } = await startLive(t.bench);
      t.bench.sandbox.admin.advanceClock(15 * DAY);
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      await handle.executeUpdate(submitDisplayNameUpdate, {
        args: [{ displayName: 'Acme Help Desk', actor: 'ops@acme' }],
      });
      await decideName(t.bench, journey, 'APPROVED');
      const asking = await journey.until((v) => v.stage === 'AWAITING_OTP', 'a code for the rename');
      // Why a live number waits for a code is said where the operator looks.
      expect(asking.waiting?.reason).toMatch(
        /^the display-name change needs the live number verified again \(Meta answered its register 133006\): an operator must submit/,
      );
      expect(asking.notes.map((n) => `${n.actor}: ${n.what}`)).toContain(
        'meta: asks for the number to be verified again (133006) before "Acme Help Desk" is applied',
      );
      // The rename owns the journey's waits: the identity check waits for it, saying where messages go meanwhile.
      const waits = await handle
        .executeUpdate(setIdentityCheckUpdate, { args: [{ enabled: true, actor: 'ops@acme' }] })
        .catch((err: Error & { cause?: Error }) => err.cause?.message);
      expect(waits).toBe(
        "refused until the display-name change's registration ends (stage AWAITING_OTP); messages still go through `send` or the API",
      );
      const answers: string[] = [];
      for (let attempt = 1; attempt <= journeyPolicy.maxWrongCodes; attempt++) {
        await journey.until((v) => v.stage === 'AWAITING_OTP' && v.attempts.wrongCodes === attempt - 1, 'the code');
        const answer = await handle.executeUpdate(submitOtpUpdate, { args: [{ code: '000000', actor: 'ops@acme' }] });
        answers.push(answer.message);
      }
      expect(answers.at(-1)).toBe(
        'code wrong, no attempts left: the display-name change stops (OTP_ATTEMPTS_EXHAUSTED): the number stays live as "Acme Support"',
      );
      const stopped = await journey.until((v) => v.displayName.status === 'CHANGE_FAILED', 'the rename stopped');
      expect(stopped).toMatchObject({ stage: 'LIVE', result: null });
      expect(stopped.notes.at(-1)?.what).toMatch(
        /^the display-name change stopped: .+\. The number stays live as "Acme Support"; submit the name again to try again$/,
      );
      await handle.terminate('test done');
    });
  });
});

describe('display-name changes that used to go wrong (dev server + Graph sandbox)', () => {
  const fast = useBench('dev', { sandbox: { nameReviewDelayMs: 0 } });

  it("takes Meta's decision even when it arrives before the answer to the name request", async () => {
    const { bench, env } = fast;
    await bench.run(async () => {
      const { journey } = await startLive(bench); // the initial name is approved at once, too
      const handle = env.client.workflow.getHandle(journey.workflowId);
      await handle.executeUpdate(submitDisplayNameUpdate, { args: [{ displayName: 'Acme Desk', actor: 'ops@acme' }] });
      const renamed = await journey.until((v) => v.displayName.current === 'Acme Desk', 'renamed');
      expect(renamed.displayName).toEqual({ current: 'Acme Desk', pending: null, status: 'APPROVED' });
      await handle.terminate('test done');
    });
  });

  it('renames a coexistence number without a register, and stays LIVE', async () => {
    const { bench, env } = fast;
    const e164 = freshNumber();
    const { phoneNumberId } = bench.sandbox.admin.linkCoexistenceNumber({
      wabaId: bench.wabaId,
      e164,
      verifiedName: 'Acme Shop',
    });
    await bench.run(async () => {
      const journey = await bench.start(
        bench.input({ phoneNumber: e164, phoneNumberId, path: 'coexistence', displayName: 'Acme Shop' }),
      );
      await journey.until((v) => v.stage === 'LIVE', 'LIVE');
      const handle = env.client.workflow.getHandle(journey.workflowId);
      await handle.executeUpdate(submitDisplayNameUpdate, {
        args: [{ displayName: 'Acme Shop Two', actor: 'ops@acme' }],
      });
      const renamed = await journey.until((v) => v.displayName.current === 'Acme Shop Two', 'renamed');
      expect(renamed.stage).toBe('LIVE');
      expect(
        bench.sandbox.admin.calls().filter((c) => c.path.includes(phoneNumberId) && c.endpoint.endsWith('/register')),
      ).toEqual([]);
      await handle.terminate('test done');
    });
  });

  it('applies an approved name at Meta even when the first re-register fails and is retried', async () => {
    const { bench, env } = fast;
    await bench.run(async () => {
      const { journey, view } = await startLive(bench);
      const phoneNumberId = view.phoneNumberId as string;
      const handle = env.client.workflow.getHandle(journey.workflowId);
      bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'error', code: 131000, times: 1 });
      await handle.executeUpdate(submitDisplayNameUpdate, { args: [{ displayName: 'Acme Help', actor: 'ops@acme' }] });
      await journey.until((v) => v.displayName.current === 'Acme Help', 'renamed');
      const atMeta = await bench.graph.getPhoneNumber({ wabaId: bench.wabaId, phoneNumberId }, ['verified_name']);
      expect(atMeta.verified_name).toBe('Acme Help');
      await handle.terminate('test done');
    });
  });
});
