// What a `messages` webhook tells about customers' identities: the hashes Meta puts in inbound messages
// (contacts[].identity_key_hash) and in statuses (recipient_identity_key_hash) go to the identity store; a status
// failed with 137000 starts the customer's `customerIdentity` workflow; the hash brought by a status after an
// operator's confirmation is told to that workflow, which then trusts the customer again.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  customerIdentityWorkflowId,
  IDENTITY_HASH,
  identityHashStoredSignal,
  SEND_ANSWER_MS,
  type CustomerIdentityInput,
  type IdentityMismatch,
  type IdentityOutcome,
  WA_ID,
} from '../domain/identity.js';
import { journeyWorkflowId } from '../domain/journey.js';
import { PhoneNumberId } from '../domain/search-attributes.js';
import type { MessagesValue, MessageStatus } from '../graph/webhook-fields.js';
import { IDENTITY_MISMATCH_CODE } from '../identity/guarded-send.js';
import { hashPrefix, type CustomerKey, type IdentityStore, type UntrustedCustomer } from '../stores/identity-store.js';
import { RouteAgainSoon } from './webhook-handover.js';
import { isGraphId, numberDigits } from './webhook-keys.js';
import { describeIfAny } from '../temporal/describe.js';
import type { RoutedEvent } from './webhook-router.js';
import { listedRuns } from '../temporal/listed-runs.js';

export interface IdentityCaptureDeps {
  client: Client;
  identities: IdentityStore;
  reportMismatch(input: CustomerIdentityInput, mismatch: IdentityMismatch): Promise<void>;
}

/**
 * Why a customer's wa_id or hash cannot be taken (not what Meta sends: no workflow id, store row or send is made of
 * it), or null. Said without the value, which may hold anything.
 */
function unusableIdentity(waId: string, hash: string | undefined): string | null {
  // No country code begins with 0: the API, the command line and the console refuse such a wa_id (readWaId), so a
  // customer recorded by it could be listed but never looked up or confirmed.
  if (!WA_ID.test(waId) || waId.startsWith('0')) return 'not a wa_id (the digits of a WhatsApp number): not recorded';
  if (hash && !IDENTITY_HASH.test(hash)) return 'not an identity hash (base64): not recorded';
  return null;
}

/** Meta's timestamps are unix seconds as strings; anything else cannot order reports. */
function metaSeconds(timestamp: string | undefined): number | null {
  const seconds = Number(timestamp);
  return timestamp !== undefined && Number.isSafeInteger(seconds) && seconds >= 0 ? seconds : null;
}

export async function captureIdentities(
  deps: IdentityCaptureDeps,
  wabaId: string,
  value: MessagesValue,
  /** When the delivery was received (ms): the time of a report whose status carries none. */
  receivedAt: number,
): Promise<RoutedEvent[]> {
  const phoneNumberId = value.metadata.phone_number_id;
  const routed: RoutedEvent[] = [];
  for (const contact of value.contacts ?? []) {
    if (!contact.identity_key_hash) continue;
    const unusable = unusableIdentity(contact.wa_id, contact.identity_key_hash);
    if (unusable) {
      routed.push({ field: 'identity', target: null, outcome: unusable });
      continue;
    }
    const sent = value.messages?.find((message) => message.from === contact.wa_id);
    const at = metaSeconds(sent?.timestamp);
    if (at === null) {
      routed.push({ field: 'identity', target: null, outcome: 'hash without a message timestamp: not recorded' });
      continue;
    }
    const key = { phoneNumberId, waId: contact.wa_id };
    const { changed } = await deps.identities.record(key, contact.identity_key_hash, at, 'inbound');
    routed.push({ field: 'identity', target: null, outcome: changed ? 'hash recorded' : 'hash known' });
  }
  // Asked once per value (its statuses share the number), and only when one of them is a 137000.
  let managed: Promise<boolean> | undefined;
  const number = {
    phoneNumberId,
    managed: () => (managed ??= journeyManages(deps.client, phoneNumberId, value.metadata.display_phone_number)),
  };
  for (const status of value.statuses ?? [])
    routed.push(...(await fromStatus(deps, wabaId, number, status, receivedAt)));
  return routed;
}

async function fromStatus(
  deps: IdentityCaptureDeps,
  wabaId: string,
  number: { phoneNumberId: string; managed: () => Promise<boolean> },
  status: MessageStatus,
  receivedAt: number,
): Promise<RoutedEvent[]> {
  const { phoneNumberId } = number;
  const mismatch = status.errors?.find((error) => error.code === IDENTITY_MISMATCH_CODE);
  // Only a status about a customer's identity is looked at (most carry none: a group's, say, has no wa_id).
  if (!mismatch && !status.recipient_identity_key_hash) return [];
  const unusable = unusableIdentity(status.recipient_id, status.recipient_identity_key_hash);
  if (unusable) return [{ field: 'identity', target: null, outcome: unusable }];
  const key = { phoneNumberId, waId: status.recipient_id };
  const at = metaSeconds(status.timestamp);
  const workflowId = customerIdentityWorkflowId(phoneNumberId, status.recipient_id);
  if (mismatch) {
    if (at !== null && (await predatesRecovery(deps, key, workflowId, at))) {
      return [{ field: 'identity', target: workflowId, outcome: 'an earlier mismatch: the current hash is newer' }];
    }
    if (!(await number.managed())) {
      // No operator could reach the recovery (the API and CLI find customers through the number's journey).
      return [{ field: 'identity', target: null, outcome: 'no running journey manages the number: not recorded' }];
    }
    const metaMessage = mismatch.message ?? mismatch.title;
    await deps.reportMismatch(
      { ...key, wabaId },
      {
        source: 'status',
        messageId: status.id,
        at: new Date(at === null ? receivedAt : at * 1000).toISOString(),
        ...(metaMessage ? { metaMessage } : {}),
      },
    );
    return [{ field: 'identity', target: workflowId, outcome: 'signalled' }];
  }
  const hash = status.recipient_identity_key_hash;
  if (!hash || at === null) return [];
  const { changed } = await deps.identities.record(key, hash, at, 'status');
  const routed: RoutedEvent = { field: 'identity', target: null, outcome: changed ? 'hash recorded' : 'hash known' };
  // Once an operator confirmed the customer, sends go without the hash: a status carrying one is what they wait for.
  const trust = await deps.identities.trust(key);
  if (trust === undefined || trust.state === 'untrusted') return [routed];
  if (!(await bringsNewHash(deps.identities, key, trust, status.id, hash))) {
    return [routed, { field: 'identity', target: workflowId, outcome: 'not the send without the hash' }];
  }
  try {
    await deps.client.workflow.getHandle(workflowId).signal(identityHashStoredSignal, {
      messageId: status.id,
      hashPrefix: hashPrefix(hash),
      at: new Date(at * 1000).toISOString(),
    });
    return [routed, { field: 'identity', target: workflowId, outcome: 'signalled' }];
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      return [routed, { field: 'identity', target: workflowId, outcome: 'no running workflow' }];
    throw err;
  }
}

/** Whether the number's journey runs, as the number Meta names (when it has learnt its phone_number_id). */
async function journeyManages(client: Client, phoneNumberId: string, display: string): Promise<boolean> {
  const digits = numberDigits(display);
  const journey = digits === null ? null : await describeIfAny(client, journeyWorkflowId(`+${digits}`));
  if (journey?.status === 'RUNNING') {
    const known = journey.attribute(PhoneNumberId);
    if (known === undefined || known === '' || known === phoneNumberId) return true;
  }
  // Meta's display number may differ from the E.164 the journey was started with (a mobile prefix, say): the
  // phone_number_id names it too. Graph's ids are numeric, so it goes into the query as it is.
  if (!isGraphId(phoneNumberId)) return false;
  const query = `WorkflowType = 'numberJourney' AND PhoneNumberId = '${phoneNumberId}' AND ExecutionStatus = 'Running'`;
  for await (const found of listedRuns(client, query, 10)) if (found.workflowId.startsWith('number:')) return true;
  return false;
}

/**
 * A 137000 older than the hash the customer's last recovery brought back (a late or repeated delivery of the mismatch
 * that recovery answered) says nothing new: the sends since carry that hash. A hash Meta reported otherwise since (a
 * customer's inbound message from a new device, say) does not make a mismatch old: the customer is re-verified. The
 * recovery's outcome names the hash it brought back: no time of this host's is compared with Temporal's.
 */
async function predatesRecovery(
  deps: IdentityCaptureDeps,
  key: CustomerKey,
  workflowId: string,
  at: number,
): Promise<boolean> {
  if ((await deps.identities.trust(key)) !== undefined) return false; // a recovery under way takes it as one more
  const current = await deps.identities.current(key);
  if (current === undefined || current.metaTimestamp <= at) return false;
  const recovery = await deps.client.workflow
    .getHandle(workflowId)
    .describe()
    .catch(() => null);
  if (recovery?.status.name !== 'COMPLETED' || !recovery.closeTime) return false;
  const restored = await restoredHashPrefix(deps.client, workflowId, recovery.runId);
  if (restored === null) return false;
  if (restored !== undefined) return restored === hashPrefix(current.hash);
  // A run that completed before its outcome named the hash: when the current hash was first reported (its later
  // reports, the send's delivered and read statuses, do not count), by this host's clock against Temporal's.
  const first = (await deps.identities.history(key)).at(-1);
  if (first?.hash !== current.hash) return false;
  const recordedAt = Date.parse(first.recordedAt);
  return recovery.startTime.getTime() <= recordedAt && recordedAt <= recovery.closeTime.getTime();
}

/**
 * The prefix of the hash a completed recovery brought back, as its outcome says (undefined: a run from before it
 * said so; null: the outcome cannot be read here, a key missing say, and the mismatch is taken as new).
 */
async function restoredHashPrefix(
  client: Client,
  workflowId: string,
  runId: string,
): Promise<string | null | undefined> {
  try {
    const outcome = (await client.workflow.getHandle(workflowId, runId).result()) as Partial<IdentityOutcome> | null;
    return typeof outcome?.restoredHashPrefix === 'string' ? outcome.restoredHashPrefix : undefined;
  } catch {
    return null;
  }
}

/**
 * For a confirmed customer, only the status of the send made without the hash brings their new hash: a late status
 * of a message sent before the change carries the old one. `verifying` names that send once it is made. Its status
 * may come before its id is stored: within SEND_ANSWER_MS of the send the status is routed again shortly, and told
 * by its id then (the customer may have written from their new phone before: their hash is no proof either way).
 * Past that (the send's process died before storing it), a hash reported before the send began is not the new one.
 */
async function bringsNewHash(
  identities: IdentityStore,
  key: CustomerKey,
  trust: UntrustedCustomer,
  messageId: string,
  hash: string,
): Promise<boolean> {
  if (trust.state !== 'verifying') return false; // no send without the hash yet
  if (trust.messageId !== null) return trust.messageId === messageId;
  if (Date.now() - Date.parse(trust.since) < SEND_ANSWER_MS)
    throw new RouteAgainSoon(`the status of ${messageId} came before the answer to the send without the hash`);
  const first = await identities.firstRecorded(key, hash);
  return first === undefined || first >= trust.since;
}
