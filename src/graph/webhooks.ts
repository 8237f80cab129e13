// Meta's webhook calls (docs/meta-graph-api.md#webhooks): the GET handshake, and POSTs verified over their raw bytes before any
// parsing, then read into one typed event per change. A valid envelope never fails on what it carries: an
// unknown field, or a known one in an unexpected shape, becomes an `unknown` event (Meta would otherwise retry
// the whole batch for 7 days, and the other changes in it would be lost or duplicated).
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { verifyWebhookSignature } from './signature.js';
import { webhookFieldSchemas, type KnownWebhookField, type MessagesValue } from './webhook-fields.js';
import { bounded, boundedIssues, isPlausibleTime, oversizedArray, WEBHOOK_MAX_ITEMS } from './webhook-limits.js';

/** Meta's largest payload (docs/meta-graph-api.md#signature). */
export const WEBHOOK_MAX_BYTES = 3 * 1024 * 1024;

export type HandshakeResult = { ok: true; challenge: string } | { ok: false; reason: string };

/** GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…: answer 200 with `challenge` as the raw body. */
export function verifyHandshake(query: Record<string, unknown>, verifyToken: string): HandshakeResult {
  const mode = query['hub.mode'];
  const token = query['hub.verify_token'];
  const challenge = query['hub.challenge'];
  if (mode !== 'subscribe') return { ok: false, reason: 'hub.mode must be subscribe' };
  if (verifyToken === '' || typeof token !== 'string' || !sameSecret(token, verifyToken)) {
    return { ok: false, reason: 'hub.verify_token does not match' };
  }
  if (typeof challenge !== 'string' || challenge === '') return { ok: false, reason: 'hub.challenge is missing' };
  return { ok: true, challenge };
}

/** Hashing first gives equal lengths, so neither the content nor the length of the token leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

interface EventBase {
  /** entry.id: the WABA the change is about. */
  wabaId: string;
  /** entry.time in unix seconds; the messages field usually has none. */
  time?: number;
  /** When the delivery was received (ms, the receiver's clock): the event's date when entry.time is missing. */
  receivedAt: number;
}

export type KnownWebhookEvent = {
  [F in KnownWebhookField]: EventBase & { field: F; value: z.infer<(typeof webhookFieldSchemas)[F]> };
}[KnownWebhookField];

/**
 * A change numberflow does not read (account_alerts, security, a new field), or refused (`issues`: it could not be
 * read, it is too large, or its time is implausible). Either way it is answered 200: a redelivery would not change it.
 */
export interface UnknownWebhookEvent extends EventBase {
  field: 'unknown';
  rawField: string;
  value: unknown;
  issues?: string;
}

export type WebhookEvent = KnownWebhookEvent | UnknownWebhookEvent;

export type WebhookParseResult =
  { ok: true; events: WebhookEvent[] } | { ok: false; status: 400 | 401 | 413; reason: string };

const envelope = z.object({ object: z.literal('whatsapp_business_account'), entry: z.array(z.unknown()) });
// Entries and changes are read one by one: a bad one is refused on its own and never costs the others.
const entrySchema = z.object({
  id: z.string(),
  time: z.number().optional(),
  changes: z.array(z.unknown()),
});
const changeSchema = z.object({ field: z.string(), value: z.unknown() });

/** Arrays of a change's value that are capped before its schema reads them. */
const CAPPED_ARRAYS = ['statuses', 'messages', 'contacts', 'errors', 'restriction_info'] as const;

export interface ParseWebhookOptions {
  maxBytes?: number;
  /** The receiver's clock (ms), for the plausible-time window; default Date.now(). */
  nowMs?: number;
}

export function parseWebhook(
  rawBody: Buffer,
  signatureHeader: string | string[] | undefined,
  appSecret: string,
  options: ParseWebhookOptions = {},
): WebhookParseResult {
  const read = readWebhook(rawBody, signatureHeader, appSecret, options);
  return read.ok ? { ok: true, events: webhookEvents(read.envelope, options.nowMs ?? Date.now()) } : read;
}

/** A verified body's envelope: its entries, each still unread (webhookEvents reads them). */
export interface WebhookEnvelope {
  entry: unknown[];
}

export type WebhookReadResult =
  { ok: true; envelope: WebhookEnvelope; changes: number } | Extract<WebhookParseResult, { ok: false }>;

/**
 * The cheap half of parseWebhook: size, signature, JSON and envelope, and how many events webhookEvents will make
 * of it. A receiver that hands the body over before reading its changes answers with this.
 */
export function readWebhook(
  rawBody: Buffer,
  signatureHeader: string | string[] | undefined,
  appSecret: string,
  options: Pick<ParseWebhookOptions, 'maxBytes'> = {},
): WebhookReadResult {
  const maxBytes = options.maxBytes ?? WEBHOOK_MAX_BYTES;
  if (rawBody.length > maxBytes) return { ok: false, status: 413, reason: `the body exceeds ${maxBytes} bytes` };
  // An empty secret would let anyone sign; refusing keeps the events queued at Meta until it is configured.
  if (appSecret === '') return { ok: false, status: 401, reason: 'no app secret is configured' };
  if (signatureHeader === undefined)
    return { ok: false, status: 401, reason: 'the X-Hub-Signature-256 header is missing' };
  if (!verifyWebhookSignature(rawBody, signatureHeader, appSecret)) {
    return { ok: false, status: 401, reason: 'the X-Hub-Signature-256 signature does not match the body' };
  }
  return readVerifiedWebhook(rawBody);
}

/**
 * A verified delivery about several WABAs as one body per WABA, in the order of their first entries: kept apart in
 * the receiver's inbox, a change of one WABA that cannot be routed holds back none of another's. A delivery about
 * one WABA is kept as its bytes.
 */
export function bodiesPerWaba(rawBody: Buffer, read: { envelope: WebhookEnvelope }): Buffer[] {
  const byWaba = new Map<unknown, unknown[]>();
  for (const entry of read.envelope.entry) {
    const waba = (entry as { id?: unknown } | null)?.id;
    const entries = byWaba.get(waba);
    if (entries) entries.push(entry);
    else byWaba.set(waba, [entry]);
  }
  if (byWaba.size <= 1) return [rawBody];
  return [...byWaba.values()].map((entry) =>
    Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry } satisfies z.input<typeof envelope>)),
  );
}

/** readWebhook for a body whose signature was verified when it was received. */
export function readVerifiedWebhook(rawBody: Buffer): WebhookReadResult {
  let json: unknown;
  try {
    // A byte-order mark before the JSON (Meta sends none; a relay might add one) would have the delivery taken unread.
    json = JSON.parse(rawBody.toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    return { ok: false, status: 400, reason: 'the body is not JSON' };
  }
  const tooMany = batchTooLarge(json);
  if (tooMany) return { ok: false, status: 400, reason: tooMany };
  const parsed = envelope.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      status: 400,
      reason: `not a WhatsApp Business Account webhook: ${boundedIssues(parsed.error)}`,
    };
  }
  // One event per change of a readable entry, one refusal per unreadable entry (as entryEvents makes them).
  const changes = parsed.data.entry.reduce<number>((sum, raw) => {
    const entry = entrySchema.safeParse(raw);
    return sum + (entry.success ? entry.data.changes.length : 1);
  }, 0);
  return { ok: true, envelope: parsed.data, changes };
}

/** Every change of a read envelope as a typed event, in Meta's order; `nowMs` is when the body was received. */
export function webhookEvents(read: WebhookEnvelope, nowMs: number): WebhookEvent[] {
  return read.entry.flatMap((entry) => entryEvents(entry, nowMs));
}

/** More entries, or more changes in all, than Meta puts in one batch. */
function batchTooLarge(json: unknown): string | null {
  const entries = oversizedArray(json, ['entry']);
  if (entries) return `more than ${WEBHOOK_MAX_ITEMS} items in ${entries}`;
  const entry: unknown = (json as { entry?: unknown } | null)?.entry;
  if (!Array.isArray(entry)) return null;
  let changes = 0;
  for (const item of entry) {
    const list: unknown = (item as { changes?: unknown } | null)?.changes;
    if (Array.isArray(list)) changes += list.length;
  }
  return changes > WEBHOOK_MAX_ITEMS ? `more than ${WEBHOOK_MAX_ITEMS} changes (${changes})` : null;
}

function entryEvents(raw: unknown, nowMs: number): WebhookEvent[] {
  const entry = entrySchema.safeParse(raw);
  const id: unknown = (raw as { id?: unknown } | null)?.id;
  if (!entry.success) return [refused(typeof id === 'string' ? id : '', '(entry)', boundedIssues(entry.error), nowMs)];
  const { id: wabaId, time, changes } = entry.data;
  const timeOk = time === undefined || isPlausibleTime(time, nowMs);
  return changes.map((raw) => {
    const change = changeSchema.safeParse(raw);
    if (!change.success) return refused(wabaId, '(change)', boundedIssues(change.error), nowMs);
    if (!timeOk) return refused(wabaId, change.data.field, `entry.time ${time} is outside the plausible window`, nowMs);
    return toEvent({ wabaId, time, receivedAt: nowMs }, change.data.field, change.data.value, nowMs);
  });
}

function refused(wabaId: string, field: string, issues: string, receivedAt: number): UnknownWebhookEvent {
  const rawField = bounded(field, 80);
  return { wabaId: bounded(wabaId, 40), receivedAt, field: 'unknown', rawField, value: undefined, issues };
}

function toEvent(base: EventBase, field: string, value: unknown, nowMs: number): WebhookEvent {
  if (!isKnownField(field)) return { ...base, field: 'unknown', rawField: bounded(field, 80), value };
  const oversized = oversizedArray(value, CAPPED_ARRAYS);
  if (oversized)
    return refused(base.wabaId, field, `more than ${WEBHOOK_MAX_ITEMS} items in ${oversized}`, base.receivedAt);
  const parsed = webhookFieldSchemas[field].safeParse(value);
  if (!parsed.success) return { ...refused(base.wabaId, field, boundedIssues(parsed.error), base.receivedAt), value };
  const event = { ...base, field, value: parsed.data } as KnownWebhookEvent;
  const badTime = event.field === 'messages' ? implausibleMessageTime(event.value, nowMs) : null;
  return badTime ? refused(base.wabaId, field, `${badTime} is outside the plausible window`, base.receivedAt) : event;
}

/** The first status or message timestamp Meta could not have stamped, as "statuses.0.timestamp 99…", or null. */
function implausibleMessageTime(value: MessagesValue, nowMs: number): string | null {
  for (const name of ['statuses', 'messages'] as const) {
    for (const [index, item] of (value[name] ?? []).entries()) {
      if (!/^\d{1,12}$/.test(item.timestamp) || !isPlausibleTime(Number(item.timestamp), nowMs)) {
        return `${name}.${index}.timestamp ${bounded(item.timestamp, 20)}`;
      }
    }
  }
  return null;
}

function isKnownField(field: string): field is KnownWebhookField {
  return Object.hasOwn(webhookFieldSchemas, field);
}
