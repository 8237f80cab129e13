// The one way numberflow sends a message (the API's messages route, the journey's post-launch test message): an
// untrusted customer is refused; with the identity check on, the customer's stored hash goes with it, and a customer
// an operator has just confirmed gets one send without the hash, whose status webhook brings the new hash back.
import { confirmationHint, type IdentityMismatch, type IdentityUnhashedSend } from '../domain/identity.js';
import type { NumberRef } from '../domain/number.js';
import type { GraphClient } from '../graph/client.js';
import { GraphError } from '../graph/errors.js';
import { hashPrefix, type CustomerKey, type IdentityStore } from '../stores/identity-store.js';

export const IDENTITY_MISMATCH_CODE = 137000;

export interface SendRequest {
  /** The number in E.164 (refusals name the way out with it). */
  e164: string;
  ref: NumberRef;
  /** Whether the number's identity-change check is on (the journey knows). */
  identityCheck: boolean;
  to: string;
  text: string;
  /** Who asked for the send, when known (the API's principal): the customer's recovery notes it. */
  actor?: string;
}

export interface SendResult {
  messageId: string;
  /** Whether the customer's identity hash went with the message, and which (its prefix only). */
  withHash: string | null;
  /** Sent without a hash to bring back a re-verified customer's new one. */
  reverifying: boolean;
}

export type IdentityRefusalCode = 'CUSTOMER_UNTRUSTED' | 'IDENTITY_MISMATCH' | 'TRUST_CHANGED';

/** A send refused because of the customer's identity; the message names the way out. */
export class IdentityRefusedError extends Error {
  override readonly name = 'IdentityRefusedError';
  constructor(
    readonly code: IdentityRefusalCode,
    message: string,
  ) {
    super(message);
  }
}

export interface SendDeps {
  graph: GraphClient;
  identities: IdentityStore;
  /** Starts (or tells) the customer's `customerIdentity` workflow about a 137000. */
  reportMismatch(key: CustomerKey & { wabaId: string }, mismatch: IdentityMismatch): Promise<void>;
  /** Tells that workflow about the send without the hash (never fails: the message is sent). */
  reportUnhashedSend?(key: CustomerKey, sent: IdentityUnhashedSend): Promise<void>;
}

const UNHASHED_SEND = 'sent without the hash, waiting for the status of';

/**
 * A re-verified customer's detail without the clause of an earlier send without the hash: every send until a status
 * brings the new hash goes without it, and each added its clause (a webhook outage of hours, one per send).
 */
function confirmationOf(detail: string): string {
  const at = detail.indexOf(`; ${UNHASHED_SEND} `);
  return at < 0 ? detail : detail.slice(0, at);
}

export function guardedSend(deps: SendDeps, request: SendRequest): Promise<SendResult> {
  return decideAndSend(deps, request, false);
}

async function decideAndSend(deps: SendDeps, request: SendRequest, decidedBefore: boolean): Promise<SendResult> {
  const { ref, to } = request;
  const key = { phoneNumberId: ref.phoneNumberId, waId: to };
  // An untrusted customer is refused whether the check is on or off: turning it off must not let a message reach
  // whoever holds a number whose WhatsApp identity changed (it did, without a word).
  const stands = await deps.identities.trust(key);
  if (stands?.state === 'untrusted') {
    throw new IdentityRefusedError(
      'CUSTOMER_UNTRUSTED',
      `customer ${to} of ${request.e164} is untrusted since ${stands.since} (${stands.detail}): ${confirmationHint(request.e164, to)}`,
    );
  }
  // With the check off, a confirmed customer's send goes as is: Meta reports no hash to bring back meanwhile.
  const trust = request.identityCheck ? stands : undefined;
  const reverifying = trust !== undefined; // confirmed, or still waiting for the new hash: no hash to send
  const stored = request.identityCheck && !reverifying ? await deps.identities.current(key) : undefined;
  // Before the send: its status may come back before its id is stored, and must then be taken as its own. Each
  // write holds only while the recovery does: its status may have completed it (the row gone) meanwhile.
  const stillReverifying = { states: ['confirmed', 'verifying'] as const };
  if (reverifying) {
    const verifying = { state: 'verifying' as const, detail: trust.detail, messageId: null };
    if (!(await deps.identities.updateTrust(key, verifying, stillReverifying))) {
      // Where the customer stands changed since it was read (trusted again, or untrusted by a new 137000): decide
      // again, once; a message never goes without the hash to a customer no longer re-verified.
      if (decidedBefore) {
        throw new IdentityRefusedError('TRUST_CHANGED', `customer ${to}'s trust changed while sending: send again`);
      }
      return decideAndSend(deps, request, true);
    }
  }
  // When the send was made: its status, which the signal must not seem to follow, can arrive before Meta's answer.
  const sentAt = new Date().toISOString();
  try {
    const { messageId } = await deps.graph
      .sendText(ref, {
        to,
        body: request.text,
        recipientIdentityKeyHash: stored?.hash,
      })
      .catch(async (err: unknown) => {
        // No send to wait for: back to confirmed, unless another send is named meanwhile.
        if (reverifying) {
          const back = { state: 'confirmed' as const, detail: trust.detail, messageId: null };
          await deps.identities.updateTrust(key, back, { states: ['verifying'], awaitedUnknown: true });
        }
        throw err;
      });
    if (reverifying) {
      await deps.identities.updateTrust(
        key,
        {
          state: 'verifying',
          detail: `${confirmationOf(trust.detail)}; ${UNHASHED_SEND} ${messageId}`,
          messageId,
        },
        { states: ['verifying'], awaitedUnknown: true },
      );
      const sent = { messageId, at: sentAt, ...(request.actor ? { actor: request.actor } : {}) };
      await deps.reportUnhashedSend?.(key, sent);
    }
    return { messageId, withHash: stored ? hashPrefix(stored.hash) : null, reverifying };
  } catch (err) {
    if (!(err instanceof GraphError) || err.code !== IDENTITY_MISMATCH_CODE) throw err;
    await deps.reportMismatch(
      { ...key, wabaId: ref.wabaId },
      {
        source: 'send',
        messageId: null,
        at: new Date().toISOString(),
        metaMessage: err.metaMessage,
        ...(err.fbtraceId ? { fbtraceId: err.fbtraceId } : {}),
        ...(request.actor ? { actor: request.actor } : {}),
      },
    );
    throw new IdentityRefusedError(
      'IDENTITY_MISMATCH',
      `Meta refused the message: customer ${to}'s WhatsApp identity changed (137000); they are untrusted now: ${confirmationHint(request.e164, to)}`,
    );
  }
}
