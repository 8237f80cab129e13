import { describe, expect, it } from 'vitest';
import { parseWebhook, signWebhookBody, verifyHandshake, type WebhookEvent } from '../../src/graph/index.js';
import * as fx from './fixtures/webhooks.js';

const APP_SECRET = 'app-secret-0f9e8d7c';

function signed(payload: unknown): { body: Buffer; signature: string } {
  const body = Buffer.from(JSON.stringify(payload));
  return { body, signature: signWebhookBody(body, APP_SECRET) };
}

const RECEIVED_AT = Date.now();

/**
 * The events of one signed payload, received at RECEIVED_AT; fails the test when the payload is refused.
 * Each event is dated when received (the receiver's fallback when Meta sends no time); that date is
 * checked here and left out of what the tests compare.
 */
function eventsOf(payload: unknown): WebhookEvent[] {
  const { body, signature } = signed(payload);
  const result = parseWebhook(body, signature, APP_SECRET, { nowMs: RECEIVED_AT });
  if (!result.ok) throw new Error(`refused: ${result.status} ${result.reason}`);
  return result.events.map(({ receivedAt, ...event }) => {
    expect(receivedAt).toBe(RECEIVED_AT);
    return event as WebhookEvent;
  });
}

function onlyEvent(field: string, value: unknown): WebhookEvent {
  const events = eventsOf(fx.envelope([{ field, value }]));
  expect(events).toHaveLength(1);
  return events[0] as WebhookEvent;
}

/** Meta's own serialisation: non-ASCII as \uXXXX with lower-case hex. */
function metaJson(payload: unknown): string {
  return JSON.stringify(payload).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

describe('webhook verification handshake', () => {
  const query = { 'hub.mode': 'subscribe', 'hub.verify_token': 'vt-s3cret', 'hub.challenge': '1158201444' };

  it('echoes the raw challenge when the verify token matches', () => {
    expect(verifyHandshake(query, 'vt-s3cret')).toEqual({ ok: true, challenge: '1158201444' });
  });

  it('refuses a wrong verify token, another mode, a missing challenge and repeated parameters', () => {
    expect(verifyHandshake(query, 'vt-other')).toEqual({ ok: false, reason: 'hub.verify_token does not match' });
    expect(verifyHandshake({ ...query, 'hub.verify_token': 'vt-s3cre' }, 'vt-s3cret').ok).toBe(false);
    expect(verifyHandshake({ ...query, 'hub.mode': 'unsubscribe' }, 'vt-s3cret')).toEqual({
      ok: false,
      reason: 'hub.mode must be subscribe',
    });
    expect(verifyHandshake({ ...query, 'hub.challenge': undefined }, 'vt-s3cret').ok).toBe(false);
    expect(verifyHandshake({ ...query, 'hub.verify_token': ['vt-s3cret', 'x'] }, 'vt-s3cret').ok).toBe(false);
  });

  it('never matches when no verify token is configured', () => {
    expect(verifyHandshake({ ...query, 'hub.verify_token': '' }, '').ok).toBe(false);
  });
});

describe('webhook signature and envelope', () => {
  const payload = fx.envelope([{ field: 'account_review_update', value: fx.reviewApproved }]);

  it('accepts a body signed with the app secret', () => {
    expect(eventsOf(payload)).toEqual([
      { wabaId: fx.WABA_ID, time: fx.ENTRY_TIME, field: 'account_review_update', value: { decision: 'APPROVED' } },
    ]);
  });

  it('refuses a missing signature, a signature with another secret, and one not in sha256= form', () => {
    const { body, signature } = signed(payload);
    expect(parseWebhook(body, undefined, APP_SECRET)).toMatchObject({ ok: false, status: 401 });
    expect(parseWebhook(body, signWebhookBody(body, 'another-secret'), APP_SECRET)).toMatchObject({
      ok: false,
      status: 401,
    });
    expect(parseWebhook(body, signature.slice('sha256='.length), APP_SECRET)).toMatchObject({ status: 401 });
    expect(parseWebhook(body, signature, '')).toMatchObject({ status: 401, reason: 'no app secret is configured' });
    // A valid digest with anything after it, or the header sent twice (Node joins them with ", "), is no signature.
    for (const header of [`${signature} `, `${signature}00`, `${signature}, ${signature}`, `${signature}, sha256=00`])
      expect(parseWebhook(body, header, APP_SECRET), header).toMatchObject({ ok: false, status: 401 });
    expect(parseWebhook(body, signature.toUpperCase().replace('SHA256=', 'sha256='), APP_SECRET)).toMatchObject({
      ok: true,
    });
  });

  it('refuses a body altered by one byte after signing', () => {
    const { body, signature } = signed(payload);
    const altered = Buffer.from(body);
    altered[altered.indexOf('APPROVED')] = 'B'.charCodeAt(0);
    expect(parseWebhook(altered, signature, APP_SECRET)).toEqual({
      ok: false,
      status: 401,
      reason: 'the X-Hub-Signature-256 signature does not match the body',
    });
  });

  describe('a non-ASCII body', () => {
    const named = fx.envelope([
      { field: 'phone_number_name_update', value: { ...fx.nameApproved, requested_verified_name: 'Café Zoë 😀' } },
    ]);

    it("verifies Meta's \\uXXXX form over its raw bytes", () => {
      const body = Buffer.from(metaJson(named));
      expect(body.toString()).toContain('Caf\\u00e9 Zo\\u00eb \\ud83d\\ude00');
      const result = parseWebhook(body, signWebhookBody(body, APP_SECRET), APP_SECRET);
      expect(result.ok && result.events[0]).toMatchObject({ value: { requested_verified_name: 'Café Zoë 😀' } });
    });

    it('verifies raw UTF-8 over its raw bytes too', () => {
      const body = Buffer.from(JSON.stringify(named), 'utf8');
      const result = parseWebhook(body, signWebhookBody(body, APP_SECRET), APP_SECRET);
      expect(result.ok && result.events[0]).toMatchObject({ value: { requested_verified_name: 'Café Zoë 😀' } });
    });

    it('refuses a signature of the \\uXXXX form on the UTF-8 form: the same JSON, other bytes', () => {
      const signature = signWebhookBody(Buffer.from(metaJson(named)), APP_SECRET);
      expect(parseWebhook(Buffer.from(JSON.stringify(named)), signature, APP_SECRET)).toMatchObject({ status: 401 });
    });
  });

  it('refuses a body over 3 MB with 413 before checking anything else', () => {
    const body = Buffer.alloc(3 * 1024 * 1024 + 1, 0x20);
    expect(parseWebhook(body, undefined, APP_SECRET)).toMatchObject({ ok: false, status: 413 });
    const small = signed(payload);
    expect(parseWebhook(small.body, small.signature, APP_SECRET, { maxBytes: 10 })).toMatchObject({ status: 413 });
  });

  it('refuses malformed JSON and a payload that is not a WhatsApp Business Account envelope with 400', () => {
    const broken = Buffer.from('{"object":"whatsapp_business_account","entry":[');
    expect(parseWebhook(broken, signWebhookBody(broken, APP_SECRET), APP_SECRET)).toEqual({
      ok: false,
      status: 400,
      reason: 'the body is not JSON',
    });
    const page = signed({ object: 'page', entry: [] });
    expect(parseWebhook(page.body, page.signature, APP_SECRET)).toMatchObject({ ok: false, status: 400 });
  });

  it('refuses a malformed entry on its own, as one refused event, and reads the entries around it', () => {
    const review = { field: 'account_review_update', value: fx.reviewApproved };
    const events = eventsOf({
      object: 'whatsapp_business_account',
      entry: [{ id: fx.WABA_ID }, { id: fx.WABA_ID, time: fx.ENTRY_TIME, changes: [review] }],
    });
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ field: 'unknown', issues: expect.stringContaining('changes') as string });
    expect(events[1]).toMatchObject({ field: 'account_review_update' });
  });

  it('refuses, change by change, an entry.time outside 2010 … a year ahead of the receiver', () => {
    const review = { field: 'account_review_update', value: fx.reviewApproved };
    const at = (time: number) => ({ id: fx.WABA_ID, time, changes: [review] });
    const events = eventsOf({
      object: 'whatsapp_business_account',
      entry: [at(1e20), at(-1), at(1_000_000_000), at(Date.now() / 1000 + 400 * 86_400), at(Date.now() / 1000)],
    });
    expect(events.map((e) => e.field)).toEqual(['unknown', 'unknown', 'unknown', 'unknown', 'account_review_update']);
    expect(events[0]).toMatchObject({
      rawField: 'account_review_update',
      issues: expect.stringContaining('entry.time') as string,
    });
  });

  it('refuses a messages change with a status timestamp outside the plausible window', () => {
    const status = (timestamp: string) => ({
      field: 'messages',
      value: {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: '15550001111', phone_number_id: '1' },
        statuses: [{ id: 'w', status: 'sent', timestamp, recipient_id: '1', pricing: { billable: true } }],
      },
    });
    const year5138 = String(Date.UTC(5138, 0, 1) / 1000);
    const events = eventsOf(
      fx.envelope([status(year5138), status('soon'), status(String(Math.floor(Date.now() / 1000)))]),
    );
    expect(events.map((e) => e.field)).toEqual(['unknown', 'unknown', 'messages']);
    expect(events[0]).toMatchObject({ issues: expect.stringContaining('statuses.0.timestamp') as string });
  });

  it('caps entries, changes and the arrays of a change before validating them, with a bounded reason', () => {
    const entries = signed({ object: 'whatsapp_business_account', entry: Array(1001).fill(0) });
    const refused = parseWebhook(entries.body, entries.signature, APP_SECRET);
    expect(refused).toMatchObject({ ok: false, status: 400, reason: 'more than 1000 items in entry (1001 items)' });
    const change = { field: 'x', value: {} };
    const changes = signed(fx.envelope(Array(1001).fill(change)));
    expect(parseWebhook(changes.body, changes.signature, APP_SECRET)).toMatchObject({ status: 400 });
    const statuses = Array(1001).fill({ id: 'w', status: 'sent', timestamp: '1', recipient_id: '1' });
    const big = {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '1', phone_number_id: '1' },
      statuses,
    };
    expect(onlyEvent('messages', big)).toMatchObject({
      field: 'unknown',
      issues: 'more than 1000 items in statuses (1001 items)',
    });
    const wrong = signed({ object: 'whatsapp_business_account', entry: Array(1000).fill('x'), other: 1 });
    const many = eventsOf({ object: 'whatsapp_business_account', entry: Array(1000).fill('x') });
    expect(many).toHaveLength(1000);
    expect((many[0] as { issues?: string }).issues?.length).toBeLessThan(300);
    expect(parseWebhook(wrong.body, wrong.signature, APP_SECRET).ok).toBe(true);
  });

  it('keeps a field it does not know as an unknown event', () => {
    const alert = { entity_type: 'WABA', entity_id: fx.WABA_ID, alert_severity: 'WARNING', alert_type: 'X' };
    expect(onlyEvent('account_alerts', alert)).toEqual({
      wabaId: fx.WABA_ID,
      time: fx.ENTRY_TIME,
      field: 'unknown',
      rawField: 'account_alerts',
      value: alert,
    });
  });

  it('keeps a known field whose value has an unexpected shape as an unknown event that says why', () => {
    const event = onlyEvent('account_update', { phone_number: '15550783881' });
    expect(event).toMatchObject({
      field: 'unknown',
      rawField: 'account_update',
      issues: expect.stringContaining('event'),
    });
  });

  it('reads a signed body that begins with a byte-order mark (it was taken unread, and lost)', () => {
    const body = Buffer.from(
      `\uFEFF${JSON.stringify(fx.envelope([{ field: 'account_update', value: fx.accountUpdates.offboarded }]))}`,
    );
    const result = parseWebhook(body, signWebhookBody(body, APP_SECRET), APP_SECRET, { nowMs: RECEIVED_AT });
    expect(result.ok && result.events.map((e) => e.field)).toEqual(['account_update']);
  });

  it('turns every change of every entry into one event, in order', () => {
    const payload2 = fx.envelope([
      { field: 'account_update', value: fx.accountUpdates.offboarded },
      { field: 'account_review_update', value: fx.reviewApproved },
    ]);
    payload2.entry.push({ id: '104996122399160', time: 1739321099, changes: [{ field: 'security', value: {} }] });
    expect(eventsOf(payload2).map((e) => [e.wabaId, e.time, e.field])).toEqual([
      [fx.WABA_ID, fx.ENTRY_TIME, 'account_update'],
      [fx.WABA_ID, fx.ENTRY_TIME, 'account_review_update'],
      ['104996122399160', 1739321099, 'unknown'],
    ]);
  });
});

describe('webhook fields', () => {
  it.each(Object.entries(fx.accountUpdates))('reads account_update %s with its info', (_, value) => {
    const event = onlyEvent('account_update', value);
    expect(event.field).toBe('account_update');
    expect(event.value).toEqual(value);
  });

  it("reads waba_ban_state also when wrapped in an array, as some of Meta's samples show it", () => {
    const value = {
      event: 'DISABLED_UPDATE',
      ban_info: { waba_ban_state: ['SCHEDULE_FOR_DISABLE'], waba_ban_date: 'May 1, 2025' },
    };
    expect(onlyEvent('account_update', value)).toMatchObject({ field: 'account_update', value });
  });

  it('tolerates properties Meta adds to a known field', () => {
    const event = onlyEvent('account_update', { ...fx.accountUpdates.violation, new_meta_property: { x: 1 } });
    expect(event).toMatchObject({ field: 'account_update', value: fx.accountUpdates.violation });
  });

  it('reads an approved and a rejected display name', () => {
    expect(onlyEvent('phone_number_name_update', fx.nameApproved)).toMatchObject({ value: fx.nameApproved });
    const rejected = onlyEvent('phone_number_name_update', fx.nameRejected);
    expect(rejected.field === 'phone_number_name_update' && rejected.value.rejection_reason).toBe(
      'NAME_FORMAT_UNACCEPTABLE',
    );
  });

  it('reads a quality update', () => {
    expect(onlyEvent('phone_number_quality_update', fx.qualityOnboarding)).toMatchObject({
      field: 'phone_number_quality_update',
      value: { event: 'ONBOARDING', current_limit: 'TIER_250' },
    });
  });

  it('reads capability caps sent as numbers or as strings', () => {
    const event = onlyEvent('business_capability_update', fx.capabilityUpdate);
    expect(event).toEqual({
      wabaId: fx.WABA_ID,
      time: fx.ENTRY_TIME,
      field: 'business_capability_update',
      value: fx.capabilityUpdate,
    });
  });

  it('reads an account review decision', () => {
    expect(onlyEvent('account_review_update', { decision: 'REJECTED' })).toMatchObject({
      value: { decision: 'REJECTED' },
    });
  });

  it("reads an inbound message with the contact's identity key hash, without an entry time", () => {
    const [event] = eventsOf(fx.envelope([{ field: 'messages', value: fx.inboundText }], { time: null }));
    expect(event?.time).toBeUndefined();
    if (event?.field !== 'messages') throw new Error(`expected a messages event, got ${event?.field}`);
    expect(event.value.metadata.phone_number_id).toBe(fx.PHONE_NUMBER_ID);
    expect(event.value.contacts?.[0]).toEqual({
      profile: { name: 'Sheena Nelson' },
      wa_id: '16505551234',
      identity_key_hash: 'DF2lS5v2W6x=',
    });
    expect(event.value.messages?.[0]).toMatchObject({ type: 'text', text: { body: 'Does it come in another color?' } });
  });

  it("reads a status with the recipient's identity key hash", () => {
    const event = onlyEvent('messages', fx.sentStatus);
    if (event.field !== 'messages') throw new Error('expected a messages event');
    expect(event.value.statuses?.[0]).toMatchObject({
      status: 'delivered',
      recipient_identity_key_hash: 'DF2lS5v2W6x=',
      pricing: { billable: true },
    });
  });

  it('reads a failed status carrying the identity key mismatch 137000', () => {
    const event = onlyEvent('messages', fx.identityMismatchStatus);
    if (event.field !== 'messages') throw new Error('expected a messages event');
    expect(event.value.statuses?.[0]?.errors?.[0]).toEqual(fx.identityMismatchStatus.statuses[0]?.errors[0]);
  });

  it.each([
    ['history', fx.historyNotShared],
    ['smb_app_state_sync', fx.appStateSync],
    ['smb_message_echoes', fx.messageEcho],
  ])('reads the coexistence field %s loosely, keeping what Meta sent', (field, value) => {
    expect(onlyEvent(field, value)).toEqual({ wabaId: fx.WABA_ID, time: fx.ENTRY_TIME, field, value });
  });
});
