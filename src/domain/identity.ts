// A customer whose WhatsApp identity changed (a recycled number, a new device): Meta refused a send to them with
// 137000, so the `customerIdentity` workflow (id `identity:<phone_number_id>:<wa_id>`) holds them untrusted until an
// operator confirms who they are through another channel, one send goes without the hash, and its status brings the
// new hash (docs/identity.md). The workflow exists only while the customer is untrusted.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { checkActor, checkNewActor, CONTROL_CHARACTER, isMessageObject } from './operator-input.js';

export function customerIdentityWorkflowId(phoneNumberId: string, waId: string): string {
  return `identity:${phoneNumberId}:${waId}`;
}

/** A customer's wa_id: the digits of their WhatsApp number. */
export const WA_ID = /^\d{5,20}$/;

/**
 * The failure type of a send refused for the customer's identity, its detail the refusal's code: refused before
 * Meta was called (CUSTOMER_UNTRUSTED, TRUST_CHANGED), or Meta's 137000 in the send's answer (IDENTITY_MISMATCH).
 */
export const IDENTITY_REFUSED_TYPE = 'IdentityRefused';

/**
 * An identity hash as Meta writes it (base64, e.g. `DF2lS5v2W6x=`), bounded: it is stored, sent back to Meta and its
 * prefix shown, so one of other characters (escapes, controls) or of any length is not taken.
 */
export const IDENTITY_HASH = /^[A-Za-z0-9+/_-]{4,200}={0,2}$/;

export interface CustomerIdentityInput {
  phoneNumberId: string;
  waId: string;
  /** The WABA of the number (its token sends and sets the check). */
  wabaId: string;
}

/** Where a 137000 was seen: a status webhook, or the answer to a send. */
export interface IdentityMismatch {
  source: 'status' | 'send';
  messageId: string | null;
  /** ISO time Meta gave it. */
  at: string;
  /** Meta's words for it (a status error's message or title, a send's error message), for the audit. */
  metaMessage?: string;
  /** Meta's fbtrace_id, which a send's error answer carries (a status webhook has none). */
  fbtraceId?: string;
  /** Who asked for the send Meta refused, when known (the API's principal, the CLI's --by). */
  actor?: string;
}

/** The status of the send without the hash brought the customer's new hash (only its prefix travels). */
export interface IdentityHashStored {
  messageId: string;
  hashPrefix: string;
  at: string;
}

/** The send without the hash that an operator's confirmation allowed (its status is to bring the new hash). */
export interface IdentityUnhashedSend {
  messageId: string;
  /** ISO time numberflow made the send. */
  at: string;
  /** Who asked for it, when the way it was sent knows (the API's principal). */
  actor?: string;
}

/** How an operator re-verified the customer outside WhatsApp. */
export const verificationMethods = ['phone_call', 'email', 'in_person', 'video_call', 'sms', 'other'] as const;

export type VerificationMethod = (typeof verificationMethods)[number];

/** How a confirmation reads: "confirmed the customer's identity by <words>". */
export const verificationMethodWords: Record<VerificationMethod, string> = {
  phone_call: 'phone call',
  email: 'email',
  in_person: 'meeting them in person',
  video_call: 'video call',
  sms: 'SMS',
  other: 'another way',
};

export interface IdentityConfirmation {
  actor: string;
  method: VerificationMethod;
  /** What was checked, e.g. "called the number on file, customer confirmed the order"; never a secret. */
  note?: string;
}

export const MAX_CONFIRMATION_NOTE = 500;

/**
 * The update's validator: the handler's check (checkConfirmation), and a note of one line of text. Only here, as
 * validators never replay: the handler took notes with line breaks before, and replays them.
 */
export function checkNewConfirmation(input: IdentityConfirmation): void {
  if (!isMessageObject(input)) throw new Error('its input must be a JSON object: {actor, method, note?}');
  checkConfirmation(input);
  checkNewActor(input.actor);
  if (input.note !== undefined && CONTROL_CHARACTER.test(input.note.trim())) {
    throw new Error('the note must be one line of text, without control characters (line breaks, escapes)');
  }
}

/** The update's check (the HTTP edge checks the same with zod first): answers the confirmation trimmed. */
export function checkConfirmation(input: IdentityConfirmation): IdentityConfirmation {
  const actor = checkActor(input.actor);
  if (!(verificationMethods as readonly unknown[]).includes(input.method)) {
    throw new Error(`how the customer was re-verified: one of ${verificationMethods.join(', ')}`);
  }
  if (input.note !== undefined && (typeof input.note !== 'string' || input.note.length > MAX_CONFIRMATION_NOTE)) {
    throw new Error(`the note is text of ${MAX_CONFIRMATION_NOTE} characters at most`);
  }
  const note = input.note?.trim();
  return { actor, method: input.method, ...(note ? { note } : {}) };
}

/** CONFIRMED: an operator confirmed, the store not yet told; AWAITING_NEW_HASH: sends go without the hash. */
export const identityStages = ['UNTRUSTED', 'CONFIRMED', 'AWAITING_NEW_HASH', 'TRUSTED', 'TIMED_OUT'] as const;
export type IdentityStage = (typeof identityStages)[number];

export interface IdentityNote {
  at: string;
  actor: string;
  text: string;
}

export interface CustomerIdentityView extends CustomerIdentityInput {
  stage: IdentityStage;
  mismatches: number;
  confirmedBy: string | null;
  notes: IdentityNote[];
}

/**
 * How long a send without the hash may take to store Meta's answer (its message id) before a status is judged: the
 * Graph call's own time-out (GRAPH_REQUEST_TIMEOUT_MS, 15 s by default) with room to spare. The status is routed
 * again meanwhile after 1, 2, 4, … s, holding back the later deliveries about its number only that long. The send
 * is told to the customer's workflow within it too.
 */
export const SEND_ANSWER_MS = 60_000;

export interface IdentityOutcome {
  stage: 'TRUSTED' | 'TIMED_OUT';
  notes: IdentityNote[];
  /**
   * TRUSTED: the prefix of the hash the send without it brought back, by which a 137000 delivered again later is told
   * old without comparing two hosts' clocks (absent from runs that completed before it was kept).
   */
  restoredHashPrefix?: string;
  /**
   * TIMED_OUT: the operator had confirmed the customer, but no send brought the new hash within CONFIRMATION_WINDOW_MS
   * of it; the confirmation lapsed and the customer is untrusted again (absent when nobody confirmed).
   */
  confirmationLapsed?: true;
}

/** Who asked for the send Meta refused with 137000, when the sender knew: " (a send ops@acme asked for)". */
export function sentBy(actor: string | undefined): string {
  return actor ? ` (a send ${actor} asked for)` : '';
}

/**
 * What is wrong with a signal's input, or null: the receiver and the guarded send always send these shapes, so
 * anything else came through Temporal by other hands (a `temporal workflow signal`), and is noted and dropped.
 */
export function identitySignalProblem(
  signal: 'identityMismatch' | 'identityHashStored' | 'identityUnhashedSend',
  input: unknown,
): string | null {
  if (!isMessageObject(input)) return 'its input must be a JSON object';
  const fields = input as Record<string, unknown>;
  const text = (name: string) => typeof fields[name] === 'string' && (fields[name] as string).trim() !== '';
  const optionalText = (name: string) => fields[name] === undefined || typeof fields[name] === 'string';
  if (!text('at') || Number.isNaN(Date.parse(fields.at as string))) return 'at must be an ISO time';
  switch (signal) {
    case 'identityMismatch':
      if (fields.source !== 'status' && fields.source !== 'send') return 'source must be status or send';
      if (fields.messageId !== null && !text('messageId')) return 'messageId must be a message id or null';
      if (!optionalText('actor')) return 'actor must be text';
      return optionalText('metaMessage') && optionalText('fbtraceId') ? null : 'metaMessage and fbtraceId are text';
    case 'identityHashStored':
      if (!text('messageId')) return 'messageId must be the message whose status brought the hash';
      return text('hashPrefix') ? null : "hashPrefix must be the new hash's prefix";
    case 'identityUnhashedSend':
      if (!text('messageId')) return 'messageId must be the message sent without the hash';
      return optionalText('actor') ? null : 'actor must be text';
  }
}

export const identityMismatchSignal = defineSignal<[IdentityMismatch], 'identityMismatch'>('identityMismatch');
export const identityHashStoredSignal = defineSignal<[IdentityHashStored], 'identityHashStored'>('identityHashStored');
export const identityUnhashedSendSignal = defineSignal<[IdentityUnhashedSend], 'identityUnhashedSend'>(
  'identityUnhashedSend',
);
export const confirmIdentityUpdate = defineUpdate<{ message: string }, [IdentityConfirmation]>('confirmIdentity');
export const customerIdentityQuery = defineQuery<CustomerIdentityView>('customerIdentity');

/**
 * Nobody confirmed within this long: the workflow ends with a note; the customer stays untrusted in the store. A
 * confirmation no send made use of within as long lapses (a re-verification that old vouches for nobody).
 */
export const CONFIRMATION_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

/** The way out of an untrusted customer, named in every refusal. */
export function confirmationHint(e164: string, waId: string): string {
  return (
    `an operator re-verifies the customer outside WhatsApp, then confirms: ` +
    `\`numberflow identity confirm ${e164} ${waId} --method <how>\` ` +
    `or POST /v1/numbers/${e164}/identities/${waId}/confirmation`
  );
}
