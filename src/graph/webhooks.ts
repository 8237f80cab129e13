// Meta's webhook calls (docs/meta-graph-api.md#webhooks): the GET handshake, and POSTs verified over their raw bytes before any
// parsing, then read into one typed event per change. A valid envelope never fails on what it carries: an
// unknown field, or a known one in an unexpected shape, becomes an `unknown` event (Meta would otherwise retry
// the whole batch for 7 days, and the other changes in it would be lost or duplicated).
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { formatIssues } from './open-enum.js';
import { verifyWebhookSignature } from './signature.js';
import { webhookFieldSchemas, type KnownWebhookField } from './webhook-fields.js';

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
}

export type KnownWebhookEvent = {
  [F in KnownWebhookField]: EventBase & { field: F; value: z.infer<(typeof webhookFieldSchemas)[F]> };
}[KnownWebhookField];

/** A change numberflow does not read (account_alerts, security, a new field) or could not read (`issues`). */
export interface UnknownWebhookEvent extends EventBase {
  field: 'unknown';
  rawField: string;
  value: unknown;
  issues?: string;
}

export type WebhookEvent = KnownWebhookEvent | UnknownWebhookEvent;

export type WebhookParseResult =
  { ok: true; events: WebhookEvent[] } | { ok: false; status: 400 | 401 | 413; reason: string };

const envelope = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(
    z.object({
      id: z.string(),
      time: z.number().optional(),
      changes: z.array(z.object({ field: z.string(), value: z.unknown() })),
    }),
  ),
});

export function parseWebhook(
  rawBody: Buffer,
  signatureHeader: string | string[] | undefined,
  appSecret: string,
  options: { maxBytes?: number } = {},
): WebhookParseResult {
  const maxBytes = options.maxBytes ?? WEBHOOK_MAX_BYTES;
  if (rawBody.length > maxBytes) return { ok: false, status: 413, reason: `the body exceeds ${maxBytes} bytes` };
  // An empty secret would let anyone sign; refusing keeps the events queued at Meta until it is configured.
  if (appSecret === '') return { ok: false, status: 401, reason: 'no app secret is configured' };
  if (signatureHeader === undefined)
    return { ok: false, status: 401, reason: 'the X-Hub-Signature-256 header is missing' };
  if (!verifyWebhookSignature(rawBody, signatureHeader, appSecret)) {
    return { ok: false, status: 401, reason: 'the X-Hub-Signature-256 signature does not match the body' };
  }
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return { ok: false, status: 400, reason: 'the body is not JSON' };
  }
  const parsed = envelope.safeParse(json);
  if (!parsed.success) {
    return { ok: false, status: 400, reason: `not a WhatsApp Business Account webhook: ${formatIssues(parsed.error)}` };
  }
  const events = parsed.data.entry.flatMap((entry) =>
    entry.changes.map((change) => toEvent({ wabaId: entry.id, time: entry.time }, change.field, change.value)),
  );
  return { ok: true, events };
}

function toEvent(base: EventBase, field: string, value: unknown): WebhookEvent {
  if (!isKnownField(field)) return { ...base, field: 'unknown', rawField: field, value };
  const parsed = webhookFieldSchemas[field].safeParse(value);
  if (!parsed.success) return { ...base, field: 'unknown', rawField: field, value, issues: formatIssues(parsed.error) };
  return { ...base, field, value: parsed.data } as KnownWebhookEvent;
}

function isKnownField(field: string): field is KnownWebhookField {
  return Object.hasOwn(webhookFieldSchemas, field);
}
