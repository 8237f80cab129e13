import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerIdentityQuery, customerIdentityWorkflowId } from '../../src/domain/identity.js';
import { PhoneNumberId } from '../../src/domain/search-attributes.js';
import { buildHttpApp } from '../../src/http/app.js';
import { captureIdentities } from '../../src/http/identity-capture.js';
import { webhookFieldSchemas } from '../../src/graph/webhook-fields.js';
import { openSqlite } from '../../src/stores/sqlite.js';
import type { SqlIdentityStore } from '../../src/stores/sql-identity-store.js';
import {
  envelope,
  identityMismatchStatus,
  inboundText,
  PHONE_NUMBER_ID,
  sentStatus,
} from '../graph/fixtures/webhooks.js';
import { useBench } from '../support/bench.js';
import { loggerInto } from '../support/http-app.js';
import { freshNumber } from '../support/journeys.js';
import { postSigned } from './support.js';

const SECRET = 'identity-capture-secret';
const WA_ID = '16505551234';
const key = { phoneNumberId: PHONE_NUMBER_ID, waId: WA_ID };
const OTHER_NUMBER_ID = '106540352249999';

/** A fixture with its hash and timestamps changed, as a later (or earlier) delivery of Meta's would be. */
function withStatus(hash: string, timestamp: string) {
  const [status] = sentStatus.statuses;
  return {
    ...sentStatus,
    statuses: [{ ...status, id: `wamid.${timestamp}`, timestamp, recipient_identity_key_hash: hash }],
  };
}

describe("customers' identity hashes from Meta's webhooks (dev server)", () => {
  const t = useBench('dev');
  let app: FastifyInstance;
  // The bench's store: its worker's activities mark the customer untrusted there.
  let identities: SqlIdentityStore;
  const logLines: string[] = [];
  beforeAll(async () => {
    identities = t.bench.identities;
    app = await buildHttpApp({
      client: t.env.client,
      taskQueue: t.bench.taskQueue,
      appSecret: SECRET,
      verifyToken: 'identity-capture-verify',
      logger: loggerInto(logLines),
      graph: t.bench.graph,
      identities,
    });
  });
  // The numbers' journeys, as the receiver sees them: running, with their phone_number_id. Stand-ins on a task queue
  // no worker polls (they never move), for numbers of this file only (the fixtures' Meta test number is another
  // file's), which the deliveries below name as their display_phone_number.
  const managed = freshNumber();
  const managedToo = freshNumber();
  const journeysOf = [
    { e164: managed, phoneNumberId: PHONE_NUMBER_ID },
    { e164: managedToo, phoneNumberId: OTHER_NUMBER_ID },
  ];
  beforeAll(async () => {
    for (const { e164, phoneNumberId } of journeysOf)
      await t.env.client.workflow.start('numberJourney', {
        taskQueue: 'identity-capture-no-worker',
        workflowId: `number:${e164}`,
        args: [],
        typedSearchAttributes: [{ key: PhoneNumberId, value: phoneNumberId }],
      });
  });
  afterAll(async () => {
    await app?.close();
    for (const { e164 } of journeysOf)
      await t.env.client.workflow
        .getHandle(`number:${e164}`)
        .terminate('test done')
        .catch(() => undefined);
  });

  /** Delivers a `messages` value, about the managed number unless told another. */
  const deliver = async <V extends { metadata: Record<string, string> }>(value: V, display = managed) => {
    value = { ...value, metadata: { ...value.metadata, display_phone_number: display.slice(1) } };
    const body = JSON.stringify(envelope([{ field: 'messages', value }], { id: t.bench.wabaId, time: null }));
    const answer = await postSigned(app, body, SECRET);
    expect(answer.statusCode).toBe(200);
  };

  it('captures the hash of an inbound message, then of a status; duplicates and late deliveries change nothing', async () => {
    await deliver(inboundText);
    expect(await identities.current(key)).toMatchObject({
      hash: 'DF2lS5v2W6x=',
      metaTimestamp: Number(inboundText.messages[0]?.timestamp),
      source: 'inbound',
    });
    await deliver(sentStatus); // the same hash, later: current, not a change
    await deliver(sentStatus); // Meta delivering it again
    expect(await identities.current(key)).toMatchObject({ hash: 'DF2lS5v2W6x=', source: 'status' });
    expect(await identities.history(key)).toHaveLength(1);

    await deliver(withStatus('NewDevice0A=', '1750263900'));
    await deliver(withStatus('OldDevice0B=', '1750263800')); // delivered after, sent before
    expect(await identities.current(key)).toMatchObject({ hash: 'NewDevice0A=', metaTimestamp: 1750263900 });
    expect((await identities.history(key)).map((h) => h.hash)).toEqual([
      'DF2lS5v2W6x=',
      'OldDevice0B=',
      'NewDevice0A=',
    ]);
    // Hashes stay out of the log.
    expect(logLines.join('')).not.toMatch(/DF2lS5v2W6x=|NewDevice0A=|OldDevice0B=/);
  });

  it("takes no wa_id or hash that is not Meta's shape, and routes the next deliveries all the same", async () => {
    const [failed] = identityMismatchStatus.statuses;
    const [contact] = inboundText.contacts;
    const [message] = inboundText.messages;
    const longWaId = '1'.repeat(2_000); // its workflow id would be past Temporal's limit
    await deliver({ ...identityMismatchStatus, statuses: [{ ...failed, id: 'wamid.long', recipient_id: longWaId }] });
    await deliver({
      ...inboundText,
      contacts: [{ ...contact, wa_id: '16505550001', identity_key_hash: '\u001b[31mRED\u0007=' }],
      messages: [{ ...message, from: '16505550001' }],
    });
    await deliver({
      ...inboundText,
      contacts: [{ ...contact, wa_id: '1555\u202e2220005' }],
      messages: [{ ...message, from: '1555\u202e2220005' }],
    });
    // Leading zeros: no country code begins with 0, and the API could never look such a customer up nor confirm it.
    await deliver({
      ...inboundText,
      contacts: [{ ...contact, wa_id: '0012345', identity_key_hash: 'Zero0000AA=' }],
      messages: [{ ...message, from: '0012345' }],
    });
    expect(await identities.current({ phoneNumberId: PHONE_NUMBER_ID, waId: '0012345' })).toBeUndefined();
    expect(await identities.current({ phoneNumberId: PHONE_NUMBER_ID, waId: '16505550001' })).toBeUndefined();
    expect(await identities.current({ phoneNumberId: PHONE_NUMBER_ID, waId: '1555\u202e2220005' })).toBeUndefined();
    expect((await identities.untrusted(PHONE_NUMBER_ID)).map((c) => c.waId)).not.toContain(longWaId);
    const log = logLines.join('');
    expect(log).toContain('not a wa_id (the digits of a WhatsApp number): not recorded');
    expect(log).toContain('not an identity hash (base64): not recorded');
    expect(log).not.toContain('\u001b');
    // A good one after them is taken.
    await deliver({
      ...inboundText,
      contacts: [{ ...contact, wa_id: '16505550002', identity_key_hash: 'Later000AA=' }],
      messages: [{ ...message, from: '16505550002' }],
    });
    expect(await identities.current({ phoneNumberId: PHONE_NUMBER_ID, waId: '16505550002' })).toMatchObject({
      hash: 'Later000AA=',
    });
  });

  it('starts the customer’s customerIdentity on a 137000 status, once however often it is delivered', async () => {
    await t.bench.run(async () => {
      // The current hash (NewDevice0A=, above) is newer than this mismatch, but no recovery brought it: it counts.
      expect((await identities.current(key))?.metaTimestamp).toBeGreaterThan(
        Number(identityMismatchStatus.statuses[0]?.timestamp),
      );
      await deliver(identityMismatchStatus);
      await deliver(identityMismatchStatus);
      const handle = t.env.client.workflow.getHandle(customerIdentityWorkflowId(PHONE_NUMBER_ID, WA_ID));
      let view = await handle.query(customerIdentityQuery);
      const again = (v: typeof view) => v.notes.some((n) => n.text.endsWith('again: counted once'));
      for (let i = 0; i < 600 && (!again(view) || (await identities.trust(key)) === undefined); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        view = await handle.query(customerIdentityQuery);
      }
      // The same message's status delivered twice is one mismatch, the second delivery noted.
      expect(view).toMatchObject({ stage: 'UNTRUSTED', phoneNumberId: PHONE_NUMBER_ID, waId: WA_ID, mismatches: 1 });
      expect(again(view)).toBe(true);
      expect(await identities.trust(key)).toMatchObject({ state: 'untrusted' });
      // A status with a hash while the customer is untrusted and unconfirmed is recorded, and trusts no one.
      await deliver(withStatus('Stranger00C=', '1750264000'));
      expect(await identities.current(key)).toMatchObject({ hash: 'Stranger00C=' });
      expect((await handle.query(customerIdentityQuery)).stage).toBe('UNTRUSTED');
      await handle.terminate('test done');
    });
  });

  it('starts no recovery for a number no journey manages: no operator could reach it', async () => {
    const [failed] = identityMismatchStatus.statuses;
    const unmanaged = {
      ...identityMismatchStatus,
      metadata: { ...identityMismatchStatus.metadata, phone_number_id: '106540352240000' },
      statuses: [{ ...failed, id: 'wamid.unmanaged' }],
    };
    await deliver(unmanaged, freshNumber());
    expect(logLines.join('')).toContain('no running journey manages the number: not recorded');
    expect(await identities.untrusted('106540352240000')).toEqual([]);
    const recovery = t.env.client.workflow.getHandle(customerIdentityWorkflowId('106540352240000', WA_ID));
    await expect(recovery.describe()).rejects.toThrow(/not found/i);
    // Nor for a number whose journey knows another phone_number_id (Meta's id of an earlier life of the number).
    await deliver(unmanaged, managed);
    expect(await identities.untrusted('106540352240000')).toEqual([]);
  });

  it("finds the number's journey by its phone_number_id when Meta shows another display number", async () => {
    await t.bench.run(async () => {
      const [failed] = identityMismatchStatus.statuses;
      const waId = '16505557777';
      const shownOtherwise = {
        ...identityMismatchStatus,
        metadata: { ...identityMismatchStatus.metadata, phone_number_id: PHONE_NUMBER_ID },
        statuses: [{ ...failed, id: 'wamid.prefixed', recipient_id: waId }],
      };
      await deliver(shownOtherwise, freshNumber()); // not the E.164 the journey (managed) was started with
      const customer = { phoneNumberId: PHONE_NUMBER_ID, waId };
      for (let i = 0; i < 600 && (await identities.trust(customer)) === undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await identities.trust(customer)).toMatchObject({ state: 'untrusted' });
      await t.env.client.workflow.getHandle(customerIdentityWorkflowId(PHONE_NUMBER_ID, waId)).terminate('test done');
    });
  });

  it('takes many changed customers at once: a workflow each, only for them', async () => {
    await t.bench.run(async () => {
      const phoneNumberId = OTHER_NUMBER_ID;
      const customers = Array.from({ length: 25 }, (_, i) => `1650555${String(2000 + i)}`);
      const [failed] = identityMismatchStatus.statuses;
      const batch = {
        ...identityMismatchStatus,
        metadata: { ...identityMismatchStatus.metadata, phone_number_id: phoneNumberId },
        statuses: customers.map((waId, i) => ({ ...failed, id: `wamid.burst${i}`, recipient_id: waId })),
      };
      await deliver(batch, managedToo);
      for (let i = 0; i < 600 && (await identities.untrusted(phoneNumberId)).length < customers.length; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await identities.untrusted(phoneNumberId)).map((c) => c.waId)).toEqual(customers);
      for (const waId of customers) {
        const handle = t.env.client.workflow.getHandle(customerIdentityWorkflowId(phoneNumberId, waId));
        expect((await handle.query(customerIdentityQuery)).stage).toBe('UNTRUSTED');
        await handle.terminate('test done');
      }
      // A customer of the number who never mismatched has no workflow.
      const other = t.env.client.workflow.getHandle(customerIdentityWorkflowId(phoneNumberId, '16505559999'));
      await expect(other.describe()).rejects.toThrow(/not found/i);
    });
  });

  it('takes no late report of a hash known before the send without it as the new one, once that send lost its answer', async () => {
    const customer = { phoneNumberId: PHONE_NUMBER_ID, waId: '16505559009' };
    const capture = (hash: string, timestamp: string, id = `wamid.${timestamp}`) => {
      const [status] = sentStatus.statuses;
      const value = {
        ...sentStatus,
        statuses: [{ ...status, id, timestamp, recipient_id: customer.waId, recipient_identity_key_hash: hash }],
      };
      const deps = {
        client: t.env.client,
        identities,
        reportMismatch: () => Promise.reject(new Error('no mismatch here')),
      };
      return captureIdentities(deps, t.bench.wabaId, webhookFieldSchemas.messages.parse(value), Date.now());
    };
    const store = openSqlite(`${t.bench.dataDir}/numberflow.sqlite`);
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    try {
      // The old hash, reported ten minutes ago; then the customer confirmed and a send without the hash begun two
      // minutes ago, whose process died before storing Meta's answer (no message id).
      await capture('OldPhone0C=', '1750263000');
      await store.run('UPDATE customer_identity_hashes SET recorded_at = ? WHERE wa_id = ?', [
        minutesAgo(10),
        customer.waId,
      ]);
      await identities.setTrust(customer, { state: 'verifying', detail: 'confirmed by a test', messageId: null });
      await store.run('UPDATE customer_trust SET since = ? WHERE wa_id = ?', [minutesAgo(2), customer.waId]);

      // A late report Meta dated before the first, delivered now: the old hash is still the one known for longest.
      await capture('OldPhone0C=', '1750262000');
      // So a status of a message sent before the change, carrying it, is not the send without the hash.
      expect(await capture('OldPhone0C=', '1750264000', 'wamid.sent-before-the-change')).toContainEqual(
        expect.objectContaining({ outcome: 'not the send without the hash' }),
      );
      // A hash first reported since the send began is the new one (no recovery runs here to tell).
      expect(await capture('NewPhone0D=', '1750265000')).toContainEqual(
        expect.objectContaining({ outcome: 'no running workflow' }),
      );
    } finally {
      await store.close();
    }
  });
});
