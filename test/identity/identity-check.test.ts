import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/client';
import {
  confirmIdentityUpdate,
  identityHashStoredSignal,
  identityMismatchSignal,
  identityUnhashedSendSignal,
  customerIdentityQuery,
  customerIdentityWorkflowId,
  type CustomerIdentityView,
  type IdentityOutcome,
} from '../../src/domain/identity.js';
import { signWebhookBody } from '../../src/graph/signature.js';
import { useApi } from '../api/support.js';
import { capturedLogger } from '../http/support.js';
import { APP_SECRET } from '../support/harness.js';
import { useBench } from '../support/bench.js';
import { leaked, rawClient } from '../support/secrets-scan.js';
import { liveCustomer, untrustedCustomer } from '../support/identity.js';
import type { UntrustedCustomer } from '../../src/stores/identity-store.js';
import { openSqlite } from '../../src/stores/sqlite.js';

interface Outcome {
  outcome: 'accepted' | 'refused' | 'pending';
  message: string;
}
interface Sent {
  messageId: string;
  withHash: string | null;
  reverifying: boolean;
}
interface ErrorAnswer {
  error: { code: string; message: string };
}

describe('the identity-change check end to end (dev server + Graph sandbox + HTTP API)', () => {
  const t = useBench('dev');
  const log = capturedLogger();
  const api = useApi(t, { logger: log.logger });

  const send = (e164: string, to: string, text = 'Your order has shipped') =>
    api.call<Sent & ErrorAnswer>('POST', `/v1/numbers/${e164}/messages`, { body: { to, text } });

  async function identityView(phoneNumberId: string, waId: string, until: (v: CustomerIdentityView) => boolean) {
    const handle = t.env.client.workflow.getHandle(customerIdentityWorkflowId(phoneNumberId, waId));
    for (let attempt = 0; attempt < 600; attempt++) {
      const view = await handle.query(customerIdentityQuery).catch(() => null);
      if (view && until(view)) return view;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`customerIdentity of ${waId} never reached the stage awaited`);
  }

  it('a recycled number: 137000 → untrusted → refused → re-verified → a send without hash → the new hash → sends carry it', async () => {
    await t.bench.run(async () => {
      const { e164, phoneNumberId, waId } = await liveCustomer(t.bench);
      const key = { phoneNumberId, waId };
      const { admin } = t.bench.sandbox;

      // The customer writes first: their hash comes with the inbound message.
      admin.setCustomerIdentity(phoneNumberId, waId, 'OriginalHash1=');
      admin.deliverInbound(phoneNumberId, waId, 'hello');
      await admin.flushWebhooks();
      expect(await t.bench.identities.current(key)).toMatchObject({ hash: 'OriginalHash1=', source: 'inbound' });

      // A send carries the stored hash and is delivered.
      const delivered = await send(e164, waId);
      expect(delivered.status).toBe(200);
      expect(delivered.body).toMatchObject({ withHash: 'Orig…', reverifying: false });
      // Logged with who sent it, so that a status later carrying a 137000 can be tied to a person: never the text
      // or the customer.
      // Meta's message ids encode the customer's number: the line has the id's digest, which the id finds.
      const ref = createHash('sha256').update(delivered.body.messageId).digest('hex').slice(0, 16);
      const sentLines = log.lines.filter((line) => line.includes(ref));
      expect(sentLines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
        expect.objectContaining({ msg: 'message sent', number: e164, messageRef: ref, principal: 'operator@test' }),
      ]);
      for (const said of [delivered.body.messageId, waId, 'Your order has shipped']) {
        expect(log.lines.filter((line) => line.includes('message sent')).join('')).not.toContain(said);
      }
      const sendCall = admin
        .calls()
        .filter((c) => c.endpoint.endsWith('/messages'))
        .at(-1);
      expect(sendCall?.status).toBe(200);
      // The customer's number as people write it is the same customer (their digits reach Meta: the same hash is
      // sent); with 00 before it, it is refused and nothing is sent.
      const written = `+${waId.slice(0, 1)} ${waId.slice(1, 4)}-${waId.slice(4)}`;
      expect((await send(e164, written)).body).toMatchObject({ withHash: 'Orig…', reverifying: false });
      const sends = admin.calls().filter((c) => c.endpoint.endsWith('/messages')).length;
      const withZeros = await send(e164, `00${waId}`);
      expect([withZeros.status, withZeros.body.error.message]).toEqual([
        400,
        expect.stringContaining('no country code begins with 0 (leave out the 00 or 0)'),
      ]);
      expect(admin.calls().filter((c) => c.endpoint.endsWith('/messages'))).toHaveLength(sends);

      // The number changes hands: Meta takes the send, then fails it with 137000 in its status.
      const { identityKeyHash: recycled } = admin.recycleCustomer(phoneNumberId, waId);
      expect((await send(e164, waId)).status).toBe(200);
      await admin.flushWebhooks();
      const untrusted = await identityView(phoneNumberId, waId, (v) => v.stage === 'UNTRUSTED' && v.notes.length >= 2);
      expect(untrusted).toMatchObject({ phoneNumberId, waId, wabaId: t.bench.wabaId, mismatches: 1 });
      expect(await t.bench.identities.trust(key)).toMatchObject({ state: 'untrusted' });

      // Refused while untrusted, naming the way out.
      const refused = await send(e164, waId);
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('customer_untrusted');
      expect(refused.body.error.message).toContain(`numberflow identity confirm ${e164} ${waId}`);
      expect(refused.body.error.message).toContain(`POST /v1/numbers/${e164}/identities/${waId}/confirmation`);
      const listed = await api.call<{ customers: { waId: string; state: string }[] }>(
        'GET',
        `/v1/numbers/${e164}/identities`,
        { as: 'auditor' },
      );
      expect(listed.body.customers).toContainEqual(expect.objectContaining({ waId, state: 'untrusted' }));

      // The operator re-verifies the customer by phone and confirms; bad input and the wrong role are refused.
      const path = `/v1/numbers/${e164}/identities/${waId}/confirmation`;
      const bad = await api.call<ErrorAnswer>('POST', path, { body: { method: 'carrier pigeon' } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/phone_call/);
      expect((await api.call('POST', path, { as: 'auditor', body: { method: 'phone_call' } })).status).toBe(403);
      const unknown = await api.call('POST', `/v1/numbers/${e164}/identities/15550009999/confirmation`, {
        body: { method: 'phone_call' },
      });
      expect(unknown.status).toBe(404);
      expect(JSON.stringify(unknown.body)).toContain('numberflow holds no identity of customer 15550009999');
      const confirmed = await api.call<{ message: string }>('POST', path, {
        body: { method: 'phone_call', note: 'called the number on file; the new owner confirmed the account' },
      });
      expect(confirmed.status).toBe(200);
      expect(confirmed.body.message).toMatch(/without the identity hash/);
      const again = await api.call<ErrorAnswer>('POST', path, { body: { method: 'email' } });
      expect(again.status).toBe(409);
      expect(again.body.error.message).toMatch(/already confirmed by operator@test/);

      // The next send goes without a hash; its status brings the new one, and trust comes back.
      const unhashed = await send(e164, waId);
      expect(unhashed.body).toMatchObject({ withHash: null, reverifying: true });
      await admin.flushWebhooks();
      const handle = t.env.client.workflow.getHandle(customerIdentityWorkflowId(phoneNumberId, waId));
      t.bench.record(handle.workflowId, 'customerIdentity');
      const outcome = (await handle.result()) as IdentityOutcome;
      expect(outcome.stage).toBe('TRUSTED');
      expect(outcome.notes.map((n) => n.actor)).toEqual(
        expect.arrayContaining(['meta', 'numberflow', 'operator@test']),
      );
      expect(await t.bench.identities.current(key)).toMatchObject({ hash: recycled, source: 'status' });
      expect(await t.bench.identities.trust(key)).toBeUndefined();
      expect((await t.bench.identities.history(key)).map((h) => h.hash)).toEqual(['OriginalHash1=', recycled]);
      // The auditor reads the hashes' changes, by prefix only.
      const audited = await api.call<{ current: { hashPrefix: string }; history: { hashPrefix: string }[] }>(
        'GET',
        `/v1/numbers/${e164}/identities/${waId}`,
        { as: 'auditor' },
      );
      expect(audited.body).toMatchObject({
        waId,
        trust: 'trusted',
        current: { hashPrefix: `${recycled.slice(0, 4)}…`, source: 'status' },
        history: [{ hashPrefix: 'Orig…', source: 'inbound' }, { hashPrefix: `${recycled.slice(0, 4)}…` }],
      });
      expect(JSON.stringify(audited.body)).not.toContain(recycled);
      // Trusted again, the customer has nothing to confirm: a conflict, not a customer unknown.
      const trusted = await api.call<ErrorAnswer>('POST', path, { body: { method: 'phone_call' } });
      expect(trusted.status).toBe(409);
      expect(trusted.body.error.message).toMatch(/is trusted .*: there is nothing to confirm/);

      // Later sends carry the new hash and are delivered.
      const later = await send(e164, waId);
      expect(later.body).toMatchObject({ withHash: `${recycled.slice(0, 4)}…`, reverifying: false });
      await admin.flushWebhooks();
      expect(await t.bench.identities.trust(key)).toBeUndefined();

      // No hash in clear in the identity workflow's history, nor the WABA's token.
      const raw = JSON.stringify(await rawClient(t.env).workflow.getHandle(handle.workflowId).fetchHistory());
      expect(leaked(raw, [recycled, 'OriginalHash1=', t.bench.graphToken])).toEqual([]);
    });
  });

  it('confirms a customer whose workflow ended unconfirmed: it starts again and takes the confirmation', async () => {
    await t.bench.run(async () => {
      const { e164, phoneNumberId, waId } = await liveCustomer(t.bench);
      const { admin } = t.bench.sandbox;
      expect((await send(e164, waId)).body.withHash).toBeNull(); // no hash stored yet: its status brings one
      await admin.flushWebhooks();
      admin.recycleCustomer(phoneNumberId, waId);
      await send(e164, waId);
      await admin.flushWebhooks();
      await identityView(phoneNumberId, waId, (v) => v.stage === 'UNTRUSTED' && v.notes.length >= 2);
      const handle = t.env.client.workflow.getHandle(customerIdentityWorkflowId(phoneNumberId, waId));
      await handle.terminate('as if its 30 days had passed');
      expect(await t.bench.identities.trust({ phoneNumberId, waId })).toMatchObject({ state: 'untrusted' });

      const confirmed = await api.call('POST', `/v1/numbers/${e164}/identities/${waId}/confirmation`, {
        body: { method: 'in_person' },
      });
      expect(confirmed.status).toBe(200);
      expect((await send(e164, waId)).body).toMatchObject({ withHash: null, reverifying: true });
      await admin.flushWebhooks();
      const again = t.env.client.workflow.getHandle(customerIdentityWorkflowId(phoneNumberId, waId));
      expect(((await again.result()) as IdentityOutcome).stage).toBe('TRUSTED');
      expect(await t.bench.identities.trust({ phoneNumberId, waId })).toBeUndefined();
    });
  });

  it('takes neither a late status of an earlier message nor a repeated 137000 as news once the customer is confirmed', async () => {
    await t.bench.run(async () => {
      const { e164, phoneNumberId, waId } = await liveCustomer(t.bench);
      const key = { phoneNumberId, waId };
      const { admin } = t.bench.sandbox;
      /** Meta's delivery of the newest `messages` webhook about the customer, to deliver again later. */
      const latestAbout = (what: (status: Record<string, unknown>) => boolean) => {
        const delivery = admin
          .webhooks()
          .filter((w) => w.field === 'messages')
          .findLast(
            (w) =>
              JSON.stringify(w.payload).includes(waId) &&
              (w.payload.entry[0]?.changes[0]?.value as { statuses?: Record<string, unknown>[] }).statuses?.some(what),
          );
        if (!delivery) throw new Error('no such delivery');
        return JSON.stringify(delivery.payload);
      };
      const deliverAgain = async (body: string) => {
        const answer = await fetch(`${t.bench.codecUrl.replace(/\/codec$/, '')}/webhooks/meta`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhookBody(body, APP_SECRET) },
          body,
        });
        expect(answer.status).toBe(200);
      };

      // "one" goes without a hash (none stored yet): its status brings the customer's first one.
      expect((await send(e164, waId, 'one')).body.withHash).toBeNull();
      await admin.flushWebhooks();
      const first = (await t.bench.identities.current(key))?.hash as string;
      const statusOfOne = latestAbout((s) => s.recipient_identity_key_hash === first);
      // The number is recycled: "two" goes with the old hash and fails with 137000.
      admin.advanceClock(5_000);
      const { identityKeyHash: recycled } = admin.recycleCustomer(phoneNumberId, waId);
      await send(e164, waId, 'two');
      await admin.flushWebhooks();
      await identityView(phoneNumberId, waId, (v) => v.stage === 'UNTRUSTED' && v.notes.length >= 2);
      const mismatch = latestAbout((s) => JSON.stringify(s.errors ?? []).includes('137000'));
      const confirmed = await api.call('POST', `/v1/numbers/${e164}/identities/${waId}/confirmation`, {
        body: { method: 'phone_call' },
      });
      expect(confirmed.status).toBe(200);

      // The status of "one" delivered late: its hash is the old identity's, so the customer stays confirmed.
      await deliverAgain(statusOfOne);
      expect(await t.bench.identities.trust(key)).toMatchObject({ state: 'confirmed' });
      expect((await identityView(phoneNumberId, waId, () => true)).stage).not.toBe('TRUSTED');

      // "three" goes without the hash; its status brings the new one, and trust comes back.
      admin.advanceClock(5_000);
      expect((await send(e164, waId, 'three')).body).toMatchObject({ withHash: null, reverifying: true });
      await admin.flushWebhooks();
      const handle = t.env.client.workflow.getHandle(customerIdentityWorkflowId(phoneNumberId, waId));
      t.bench.record(handle.workflowId, 'customerIdentity'); // its outcome naming the hash brought back
      expect(await handle.result()).toMatchObject({ stage: 'TRUSTED', restoredHashPrefix: `${recycled.slice(0, 4)}…` });
      expect(await t.bench.identities.current(key)).toMatchObject({ hash: recycled });
      const { runId } = await handle.describe();
      // A later report of the same hash (another status, after the recovery) changes nothing below.
      admin.advanceClock(5_000);
      admin.sendStatus(phoneNumberId, waId);
      await admin.flushWebhooks();
      // The receiver's host recorded the hash by a clock 7 minutes ahead of Temporal's: the recovery's outcome names
      // the hash, so no time of the store's is compared with the run's (it was, and the customer was untrusted again).
      const store = openSqlite(`${t.bench.dataDir}/numberflow.sqlite`);
      const ahead = new Date(Date.now() + 7 * 60_000).toISOString();
      await store.run('UPDATE customer_identity_hashes SET recorded_at = ? WHERE wa_id = ?', [ahead, waId]);
      await store.close();

      // The 137000 of "two" delivered again: the current hash is newer, so nothing starts and sends carry it.
      await deliverAgain(mismatch);
      expect(await t.bench.identities.trust(key)).toBeUndefined();
      expect((await t.env.client.workflow.getHandle(handle.workflowId).describe()).runId).toBe(runId);
      const later = await send(e164, waId, 'four');
      expect(later.status).toBe(200);
      expect(later.body).toMatchObject({ withHash: `${recycled.slice(0, 4)}…`, reverifying: false });
    });
  });

  it("takes the send's status that comes before Meta's answer to it, though the customer wrote from the new phone first", async () => {
    await t.bench.run(async () => {
      const { e164, phoneNumberId, waId, hashes } = await untrustedCustomer(t.bench);
      const key = { phoneNumberId, waId };
      const { admin } = t.bench.sandbox;
      admin.advanceClock(5_000);
      // Back on WhatsApp from the new phone: the new hash is known before any send without the hash.
      admin.deliverInbound(phoneNumberId, waId, 'it is me, new phone');
      await admin.flushWebhooks();
      expect(await t.bench.identities.current(key)).toMatchObject({ hash: hashes[1], source: 'inbound' });
      const path = `/v1/numbers/${e164}/identities/${waId}/confirmation`;
      expect((await api.call('POST', path, { body: { method: 'video_call' } })).status).toBe(200);

      // The send without the hash, its two writes as the guarded send makes them around Meta's call; the status
      // of the message comes between them, before the answer naming it is stored.
      const { detail } = (await t.bench.identities.trust(key)) as UntrustedCustomer;
      const underWay = { state: 'verifying' as const, detail, messageId: null };
      expect(await t.bench.identities.updateTrust(key, underWay, { states: ['confirmed'] })).toBe(true);
      admin.advanceClock(5_000);
      const { messageId } = admin.sendStatus(phoneNumberId, waId);
      // The receiver holds it back (this one routes before answering: 500, and Meta delivers it again).
      const delivery = () => admin.webhooks().find((w) => JSON.stringify(w.payload).includes(messageId));
      for (let i = 0; i < 500 && !delivery()?.lastError; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(delivery()).toMatchObject({ delivered: false, lastError: 'HTTP 500' });
      expect(await t.bench.identities.trust(key)).toMatchObject({ state: 'verifying', messageId: null });
      const answered = { state: 'verifying' as const, detail, messageId };
      expect(await t.bench.identities.updateTrust(key, answered, { states: ['verifying'], awaitedUnknown: true })).toBe(
        true,
      );
      await admin.flushWebhooks();
      expect(delivery()).toMatchObject({ delivered: true });

      // Delivered again, the status is told by its id: trust comes back.
      const handle = t.env.client.workflow.getHandle(customerIdentityWorkflowId(phoneNumberId, waId));
      const outcome = (await handle.result()) as IdentityOutcome;
      expect(outcome.stage).toBe('TRUSTED');
      expect(outcome.notes.at(-2)?.text).toBe(
        `the status of ${messageId} brought the new identity hash ${hashes[1]?.slice(0, 4)}…`,
      );
      expect(await t.bench.identities.trust(key)).toBeUndefined();
    });
  });

  it('notes and drops identity signals and a confirmation of another shape than numberflow sends (Temporal by other hands)', async () => {
    await t.bench.run(async () => {
      const { e164, phoneNumberId, waId } = await untrustedCustomer(t.bench);
      const path = `/v1/numbers/${e164}/identities/${waId}/confirmation`;
      expect((await api.call('POST', path, { body: { method: 'in_person' } })).status).toBe(200);
      const handle = t.env.client.workflow.getHandle(customerIdentityWorkflowId(phoneNumberId, waId));
      t.bench.record(handle.workflowId, 'customerIdentity');
      const forged = [
        [identityUnhashedSendSignal, null],
        [identityHashStoredSignal, {}],
        [identityMismatchSignal, { source: 'webhook', messageId: 'wamid.X', at: '2026-12-05T00:00:00Z' }],
      ] as const;
      for (const [signal, input] of forged) await handle.signal(signal as SignalDefinition<[unknown]>, input);
      const view = await identityView(phoneNumberId, waId, (v) =>
        v.notes.some((n) => n.text.includes('identityMismatch')),
      );
      expect(view).toMatchObject({ stage: 'AWAITING_NEW_HASH', mismatches: 1 });
      expect(view.notes.slice(-3).map((n) => [n.actor, n.text])).toEqual([
        ['numberflow', 'signal identityUnhashedSend ignored: its input must be a JSON object'],
        ['numberflow', 'signal identityHashStored ignored: at must be an ISO time'],
        ['numberflow', 'signal identityMismatch ignored: source must be status or send'],
      ]);
      expect(await t.bench.identities.trust({ phoneNumberId, waId })).toMatchObject({ state: 'confirmed' });
      expect(view.notes.find((n) => n.actor === 'operator@test')?.text).toBe(
        "confirmed the customer's identity by meeting them in person",
      );
      // The update refuses such input naming the problem; the timeline says what the workflow did with the signals.
      const refused = await handle
        .executeUpdate(confirmIdentityUpdate as UpdateDefinition<unknown, [unknown]>, { args: [null] })
        .catch((err: Error & { cause?: Error }) => err.cause?.message);
      expect(refused).toBe('its input must be a JSON object: {actor, method, note?}');
      const timeline = await api.call<{ entries: { actor?: string; what: string }[] }>(
        'GET',
        `/v1/journeys/${e164}/audit?format=json`,
        { as: 'auditor' },
      );
      const said = timeline.body.entries.filter((e) => e.what.startsWith('signal identity'));
      expect(said).toEqual(
        ['identityUnhashedSend', 'identityHashStored', 'identityMismatch'].map((name) =>
          expect.objectContaining({ actor: 'numberflow', what: expect.stringMatching(`^signal ${name} ignored: `) }),
        ),
      );
      await handle.terminate('test done');
    });
  });

  it('turns the check off and on for a live number, recorded with the actor', async () => {
    await t.bench.run(async () => {
      const { e164, phoneNumberId } = await liveCustomer(t.bench);
      const ref = { wabaId: t.bench.wabaId, phoneNumberId };
      const off = await api.call<Outcome>('POST', `/v1/journeys/${e164}/identity-check`, { body: { enabled: false } });
      expect(off.body).toMatchObject({ outcome: 'accepted', message: 'the identity-change check is off' });
      expect(await t.bench.graph.getSettings(ref)).toMatchObject({
        user_identity_change: { enable_identity_key_check: false },
      });
      const offView = await api.until(e164, (v) => v.identityCheck === 'off', 'identity check off');
      expect(offView.notes).toContainEqual(
        expect.objectContaining({ actor: 'operator@test', what: 'turned off the identity-change check' }),
      );
      // An untrusted customer stays refused with the check off: turning it off lets no message reach them.
      const untrustedKey = { phoneNumberId, waId: '15550009911' };
      await t.bench.identities.setTrust(untrustedKey, { state: 'untrusted', detail: 'test', messageId: null });
      const sendsBefore = t.bench.sandbox.admin.calls().filter((c) => c.endpoint.endsWith('/messages')).length;
      const refusedOff = await api.call<ErrorAnswer>('POST', `/v1/numbers/${e164}/messages`, {
        body: { to: untrustedKey.waId, text: 'hello' },
      });
      expect(refusedOff.status).toBe(409);
      expect(refusedOff.body.error.code).toBe('customer_untrusted');
      expect(t.bench.sandbox.admin.calls().filter((c) => c.endpoint.endsWith('/messages'))).toHaveLength(sendsBefore);
      await t.bench.identities.setTrust(untrustedKey, null);
      const on = await api.call<Outcome>('POST', `/v1/journeys/${e164}/identity-check`, {
        as: 'admin',
        body: { enabled: true },
      });
      expect(on.body.outcome).toBe('accepted');
      expect((await api.until(e164, (v) => v.identityCheck === 'on', 'identity check on')).notes).toContainEqual(
        expect.objectContaining({ actor: 'admin@test', what: 'turned on the identity-change check' }),
      );
      // Asked again, Meta is told again (it may have been changed outside numberflow), and both say it was on.
      const again = await api.call<Outcome>('POST', `/v1/journeys/${e164}/identity-check`, { body: { enabled: true } });
      expect(again.body).toMatchObject({
        outcome: 'accepted',
        message: 'the identity-change check is on (it was already; Meta was told again)',
      });
      expect((await api.until(e164, (v) => v.notes.length > 0, 'noted')).notes).toContainEqual(
        expect.objectContaining({
          actor: 'operator@test',
          what: 'turned on the identity-change check (it was on already; Meta was told again)',
        }),
      );
      const timeline = await api.call<{ entries: { actor?: string; what: string; outcome?: string }[] }>(
        'GET',
        `/v1/journeys/${e164}/audit`,
        { as: 'auditor' },
      );
      expect(timeline.body.entries).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ actor: 'operator@test', what: 'asked to turn off the identity-change check' }),
          expect.objectContaining({ what: 'turn off the identity-change check' }),
          expect.objectContaining({ actor: 'admin@test', what: 'asked to turn on the identity-change check' }),
        ]),
      );
      const bad = await api.call<ErrorAnswer>('POST', `/v1/journeys/${e164}/identity-check`, {
        body: { enabled: 'yes' },
      });
      expect(bad.status).toBe(400);
      expect(
        (await api.call('POST', `/v1/journeys/${e164}/identity-check`, { as: 'auditor', body: { enabled: false } }))
          .status,
      ).toBe(403);
    });
  });

  it('a newly live number sends the post-launch test message, noted in its journey with the outcome', async () => {
    await t.bench.run(async () => {
      const { e164, phoneNumberId, waId } = await liveCustomer(t.bench);
      const answer = await api.call<Outcome>('POST', `/v1/journeys/${e164}/test-message`, { body: { to: waId } });
      expect(answer.body.outcome).toBe('accepted');
      expect(answer.body.message).toMatch(new RegExp(`^the test message to ${waId} was sent \\(wamid\\.`));
      const sent = t.bench.sandbox.admin.calls().filter((c) => c.endpoint.endsWith('/messages'));
      expect(sent.length).toBeGreaterThan(0);
      // Its status brought the customer's hash: the next one carries it.
      await t.bench.sandbox.admin.flushWebhooks();
      expect(await t.bench.identities.current({ phoneNumberId, waId })).toMatchObject({ source: 'status' });
      const second = await api.call<Outcome>('POST', `/v1/journeys/${e164}/test-message`, {
        body: { to: waId, text: 'second test' },
      });
      expect(second.body.message).toMatch(/with the identity hash/);
      const journey = await api.until(e164, (v) => v.notes.length > 0, 'notes');
      expect(journey.notes.filter((n) => n.what.startsWith(`the test message to ${waId} was sent`))).toHaveLength(2);

      const timeline = await api.call<{ entries: { actor?: string; what: string; outcome?: string }[] }>(
        'GET',
        `/v1/journeys/${e164}/audit`,
        { as: 'auditor' },
      );
      const sends = timeline.body.entries.filter((e) => e.what === 'send a text message');
      expect(sends.map((e) => e.outcome)).toEqual([
        expect.stringMatching(/^sent wamid\.\S+ without an identity hash$/),
        expect.stringMatching(/^sent wamid\.\S+ with the identity hash \S{4}…$/),
      ]);
      expect(timeline.body.entries).toContainEqual(
        expect.objectContaining({ actor: 'operator@test', what: `asked for a test message to ${waId}` }),
      );

      // Refused to an untrusted customer, and noted so.
      await t.bench.identities.setTrust(
        { phoneNumberId, waId },
        { state: 'untrusted', detail: 'test', messageId: null },
      );
      const refused = await api.call<Outcome>('POST', `/v1/journeys/${e164}/test-message`, { body: { to: waId } });
      expect(refused.body.outcome).toBe('refused');
      expect(refused.body.message).toContain(`numberflow identity confirm ${e164} ${waId}`);
      // The audit says no message reached Meta (it read as a failed call to Meta).
      const afterRefusal = await api.call<{ entries: { what: string; outcome?: string }[] }>(
        'GET',
        `/v1/journeys/${e164}/audit`,
        { as: 'auditor' },
      );
      expect(afterRefusal.body.entries.filter((e) => e.what === 'send a text message').at(-1)?.outcome).toMatch(
        new RegExp(`^not sent: refused before Meta was called \\(customer ${waId} of \\${e164} is untrusted since `),
      );
      await t.bench.identities.setTrust({ phoneNumberId, waId }, null);

      // Meta's rate limit: refused with its code and trace id, not retried (a message goes at most once).
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /messages', kind: 'error', code: 130429, times: 1 });
      const limited = await api.call<Outcome>('POST', `/v1/journeys/${e164}/test-message`, { body: { to: waId } });
      expect(limited.body).toMatchObject({ outcome: 'refused' });
      expect(limited.body.message).toMatch(
        new RegExp(
          `^the test message to ${waId} failed: Meta 130429: .+ \\(fbtrace_id \\S+\\) — a rate limit: send it again later`,
        ),
      );

      // The journey's history holds the sends, never the WABA's token.
      const raw = JSON.stringify(await rawClient(t.env).workflow.getHandle(`number:${e164}`).fetchHistory());
      expect(leaked(raw, [t.bench.graphToken])).toEqual([]);

      const notLive = await api.call<ErrorAnswer>('POST', `/v1/journeys/${e164}/test-message`, { body: { to: 'abc' } });
      expect(notLive.status).toBe(400);
    });
  });
});
