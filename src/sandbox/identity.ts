// The identity-change check (docs/meta-graph-api.md#settings, #messages-and-statuses, #identity-change-check): when it is on for a number, inbound messages carry the
// customer's identity_key_hash and statuses carry recipient_identity_key_hash; a send whose hash no longer matches
// fails with 137000.
import { graphErrorCatalog } from '../graph/errors.js';
import { unixSeconds } from './clock.js';
import { type SandboxCore, adminNumber } from './core.js';
import { GraphApiError } from './graph-error.js';
import type { PhoneNumber } from './model.js';

const ERROR_CODES_HREF =
  'https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes';

export function setCustomerIdentity(
  core: SandboxCore,
  phoneNumberId: string,
  waId: string,
  identityKeyHash: string,
): void {
  adminNumber(core, phoneNumberId).customers.set(waId, identityKeyHash);
}

/** The customer's number went to someone else (or their device changed): a new identity hash from now on. */
export function recycleCustomer(core: SandboxCore, phoneNumberId: string, waId: string): { identityKeyHash: string } {
  const number = adminNumber(core, phoneNumberId);
  const identityKeyHash = newIdentity(core);
  number.customers.set(waId, identityKeyHash);
  return { identityKeyHash };
}

function newIdentity(core: SandboxCore): string {
  return `${core.random.stream('tokens').alphanumeric(11)}=`;
}

/**
 * POST /{phone-number-id}/messages, the text send: Meta answers with the message id at once; a hash mismatch shows
 * later, in the message's status webhook (docs/meta-graph-api.md#identity-change-check).
 */
export function sendText(
  core: SandboxCore,
  number: PhoneNumber,
  to: string,
  recipientIdentityKeyHash: string | undefined,
): Record<string, unknown> {
  if (number.status !== 'CONNECTED') {
    throw new GraphApiError(133010, `the number is ${number.status}: register it before sending`);
  }
  const { messageId } = sendStatus(core, number.id, to, { recipientIdentityKeyHash });
  return { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to }], messages: [{ id: messageId }] };
}

/** A customer's hash; a customer never seen before gets one (base64, like Meta's "DF2lS5v2W6x="). */
function identityOf(core: SandboxCore, number: PhoneNumber, waId: string): string {
  let hash = number.customers.get(waId);
  if (hash === undefined) {
    hash = newIdentity(core);
    number.customers.set(waId, hash);
  }
  return hash;
}

function messagesValue(number: PhoneNumber, parts: Record<string, unknown>): Record<string, unknown> {
  return {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: number.digits, phone_number_id: number.id },
    ...parts,
  };
}

function messageId(core: SandboxCore): string {
  return `wamid.${core.random.stream('ids').alphanumeric(40)}`;
}

export function deliverInbound(
  core: SandboxCore,
  phoneNumberId: string,
  waId: string,
  text: string,
): { messageId: string } {
  const number = adminNumber(core, phoneNumberId);
  const id = messageId(core);
  const contact = {
    profile: { name: `Customer ${waId}` },
    wa_id: waId,
    ...(number.identityKeyCheck ? { identity_key_hash: identityOf(core, number, waId) } : {}),
  };
  const message = {
    from: waId,
    id,
    timestamp: String(unixSeconds(core.clock.now())),
    text: { body: text },
    type: 'text',
  };
  core.webhooks.send(number.wabaId, 'messages', messagesValue(number, { contacts: [contact], messages: [message] }));
  return { messageId: id };
}

/**
 * The status of a message the business sent to `waId`. With the check on, a given hash that differs from the
 * customer's current one fails the message with 137000; otherwise it is `sent` and the status carries the current
 * hash. With the check off, hashes play no part (docs/meta-graph-api.md#messages-and-statuses: they appear only when the check is enabled).
 */
export function sendStatus(
  core: SandboxCore,
  phoneNumberId: string,
  waId: string,
  options: { recipientIdentityKeyHash?: string; billable?: boolean } = {},
): { messageId: string; status: 'sent' | 'failed' } {
  const number = adminNumber(core, phoneNumberId);
  // A paid message: its status carries Meta's pricing block, and Meta refuses deletion for 30 days (docs/meta-graph-api.md#deletion).
  const pricing = options.billable ? { pricing: { billable: true, pricing_model: 'PMP', category: 'marketing' } } : {};
  if (options.billable) number.lastPaidMessageAt = core.clock.now();
  const id = messageId(core);
  const base = { id, timestamp: String(unixSeconds(core.clock.now())), recipient_id: waId, ...pricing };
  const current = number.identityKeyCheck ? identityOf(core, number, waId) : undefined;
  const given = options.recipientIdentityKeyHash;
  const mismatch = current !== undefined && given !== undefined && given !== current;
  const title = graphErrorCatalog[137000]?.title ?? 'Identity key mismatch';
  const status = mismatch
    ? {
        ...base,
        status: 'failed',
        errors: [
          {
            code: 137000,
            title,
            message: title,
            error_data: { details: "The recipient's identity key hash does not match their current identity" },
            href: ERROR_CODES_HREF,
          },
        ],
      }
    : { ...base, status: 'sent', ...(current !== undefined ? { recipient_identity_key_hash: current } : {}) };
  core.webhooks.send(number.wabaId, 'messages', messagesValue(number, { statuses: [status] }));
  return { messageId: id, status: mismatch ? 'failed' : 'sent' };
}
