// Updates and signals as an auditor reads them: who asked what (a person's action), what Meta's webhook said, what
// the portfolio answered. Each message is read through its allow-list, so only the actor and the harmless fields
// of a submission ever appear — a code or a PIN is never part of `what`.
import { z } from 'zod';
import { restrictionWords, type NumberEvent } from '../domain/events.js';
import {
  cancelSignal,
  cancelUpdate,
  confirmDeletionSignal,
  confirmDeletionUpdate,
  displayNameSignal,
  numberEventSignal,
  otpSignal,
  pinSignal,
  requestRemovalSignal,
  requestRemovalUpdate,
  resendCodeSignal,
  resendCodeUpdate,
  revealPinUpdate,
  sendTestMessageUpdate,
  setIdentityCheckUpdate,
  submitDisplayNameUpdate,
  submitOtpUpdate,
  submitPinUpdate,
  tokenRenewedSignal,
} from '../domain/messages.js';
import {
  confirmIdentityUpdate,
  identityHashStoredSignal,
  identityMismatchSignal,
  identitySignalProblem,
  identityUnhashedSendSignal,
  sentBy,
  verificationMethodWords,
} from '../domain/identity.js';
import { NO_ACTOR, visibleControls } from '../domain/operator-input.js';
import { slotAnswerSignal, wabaElsewhereText } from '../domain/portfolio.js';
import { IDENTITY_MISMATCH_CODE } from '../identity/guarded-send.js';
import {
  actorField,
  allowed,
  cancelFields,
  confirmationFields,
  hashStoredFields,
  identityCheckFields,
  mismatchFields,
  testMessageFields,
  unhashedSendFields,
  displayNameFields,
  numberEventFields,
  pinRevealFields,
  removalFields,
  resendFields,
  slotAnswerFields,
} from './payloads.js';
import type { MetaAnswer, TimelineKind } from './types.js';

export interface Described {
  kind: TimelineKind;
  actor?: string;
  what: string;
  meta?: MetaAnswer;
  /** When it happened, if not when history recorded it (a send told to a workflow after it was made). */
  at?: string;
  /** A webhook's own date (TimelineEntry's `sentAt`). */
  sentAt?: string;
  /** Which way a person's action came (TimelineEntry's `via`). */
  via?: string;
}

type Describe = (arg: unknown) => Described;

const byPerson =
  (what: (arg: unknown) => string): Describe =>
  (arg) => {
    const actor = allowed(actorField, arg)?.actor;
    return { kind: 'action', ...(actor === undefined ? {} : { actor: shownActor(actor) }), what: what(arg) };
  };

/**
 * A sender as the timeline shows them: one line (escapes written out, as a terminal should show them) of at most 200
 * characters — a signal sent by hand may carry thousands, which its journey refused to note.
 */
function shownActor(actor: string): string {
  if (actor.trim() === '') return NO_ACTOR;
  const line = [...visibleControls(actor.trim(), false)]; // by code point: no character cut in two
  return line.length > 200 ? `${line.slice(0, 200).join('')}…` : line.join('');
}

const submitted = (thing: string, how: string) => byPerson(() => `submitted ${thing} (${how})`);
const nameSubmitted = (how: string) =>
  byPerson((arg) => {
    const name = allowed(displayNameFields, arg)?.displayName;
    return `submitted the display name${name !== undefined ? ` "${name}"` : ''} (${how})`;
  });
const cancelAsked = (how: string) =>
  byPerson((arg) => {
    const reason = allowed(cancelFields, arg)?.reason;
    return `asked to cancel the onboarding${reason ? `: ${reason}` : ''} (${how})`;
  });

const resendAsked = byPerson((arg) => {
  const method = allowed(resendFields, arg)?.method;
  return `asked for a new code${method ? ` by ${method}` : ''}`;
});
const removalAsked = byPerson((arg) => {
  const request = allowed(removalFields, arg);
  return request ? `asked to remove the number as ${request.role}: ${request.reason}` : 'asked to remove the number';
});
const deletionConfirmed = byPerson(() => 'confirmed that the number was deleted in WhatsApp Manager');

/** An identity signal of another shape than numberflow sends: the workflow notes and drops it, and so does the audit. */
function ignoredSignal(signal: Parameters<typeof identitySignalProblem>[0], arg: unknown): Described | null {
  const problem = identitySignalProblem(signal, arg);
  return problem === null ? null : { kind: 'step', actor: 'numberflow', what: `signal ${signal} ignored: ${problem}` };
}

const messages: Record<string, Describe> = {
  [submitOtpUpdate.name]: submitted('a code', 'update'),
  [otpSignal.name]: submitted('a code', 'signal'),
  [submitPinUpdate.name]: submitted('a two-step PIN', 'update'),
  [pinSignal.name]: submitted('a two-step PIN', 'signal'),
  [submitDisplayNameUpdate.name]: nameSubmitted('update'),
  [displayNameSignal.name]: nameSubmitted('signal'),
  [cancelUpdate.name]: cancelAsked('update'),
  [cancelSignal.name]: cancelAsked('signal'),
  [resendCodeSignal.name]: resendAsked,
  [resendCodeUpdate.name]: resendAsked,
  [requestRemovalSignal.name]: removalAsked,
  [requestRemovalUpdate.name]: removalAsked,
  [confirmDeletionSignal.name]: deletionConfirmed,
  // Who stored the WABA's new token (`token set --by`, Embedded Signup's principal): the journey calls Meta again.
  [tokenRenewedSignal.name]: byPerson(() => "stored a new token for the number's WABA"),
  [confirmDeletionUpdate.name]: deletionConfirmed,
  [revealPinUpdate.name]: byPerson((arg) => {
    const request = allowed(pinRevealFields, arg);
    return `read back the two-step PIN${request ? ` as ${request.role}: ${request.reason}` : ''}`;
  }),
  [setIdentityCheckUpdate.name]: byPerson((arg) => {
    const request = allowed(identityCheckFields, arg);
    return `asked to turn ${request ? (request.enabled ? 'on' : 'off') : 'on or off'} the identity-change check`;
  }),
  [sendTestMessageUpdate.name]: byPerson((arg) => {
    const request = allowed(testMessageFields, arg);
    return `asked for a test message${request ? ` to ${request.to}` : ''}`;
  }),
  [confirmIdentityUpdate.name]: byPerson((arg) => {
    const confirmation = allowed(confirmationFields, arg);
    const how = confirmation ? ` by ${verificationMethodWords[confirmation.method]}` : '';
    return `confirmed the customer's identity${how}`;
  }),
  [identityMismatchSignal.name]: (arg) => {
    const ignored = ignoredSignal(identityMismatchSignal.name, arg);
    if (ignored) return ignored;
    const mismatch = allowed(mismatchFields, arg);
    const where =
      mismatch?.source === 'send'
        ? ` in a send's answer${sentBy(mismatch.actor)}`
        : mismatch
          ? ` in the status of ${mismatch.messageId ?? 'a message'}`
          : '';
    const meta: MetaAnswer = {
      code: IDENTITY_MISMATCH_CODE,
      ...(mismatch?.metaMessage ? { message: mismatch.metaMessage } : {}),
      ...(mismatch?.fbtraceId ? { fbtraceId: mismatch.fbtraceId } : {}),
    };
    return { kind: 'webhook', actor: 'meta', what: `identity key mismatch (137000)${where}`, meta };
  },
  [identityHashStoredSignal.name]: (arg) => {
    const ignored = ignoredSignal(identityHashStoredSignal.name, arg);
    if (ignored) return ignored;
    const stored = allowed(hashStoredFields, arg);
    const what = stored
      ? `the status of ${stored.messageId} brought the new identity hash ${stored.hashPrefix}`
      : 'a status brought the new identity hash';
    return { kind: 'webhook', actor: 'meta', what };
  },
  [identityUnhashedSendSignal.name]: (arg) => {
    const ignored = ignoredSignal(identityUnhashedSendSignal.name, arg);
    if (ignored) return ignored;
    const sent = allowed(unhashedSendFields, arg);
    const what = `sent ${sent?.messageId ?? 'a message'} to the customer without the identity hash`;
    // Dated by the send: its status (the new hash) may reach the workflow before this signal does.
    const when = sent ? { at: sent.at } : {};
    return sent?.actor
      ? { kind: 'action', actor: sent.actor, what, ...when }
      : { kind: 'step', actor: 'numberflow', what, ...when };
  },
  [numberEventSignal.name]: (arg) => {
    const event = allowed(numberEventFields, arg);
    if (!event) return { kind: 'webhook', actor: 'meta', what: 'a webhook event of an unknown shape' };
    // An event with no date the timeline can hold (sent by hand: the journey ignores one it cannot read) shows none;
    // nor one Meta gave none (`undated`: its `at` is when the receiving host took it in, no date of Meta's).
    const undated = event.kind === 'name' && event.undated === true;
    const iso = undated || Number.isNaN(Date.parse(event.at)) ? '' : new Date(event.at).toISOString();
    const sentAt = z.iso.datetime().safeParse(iso).success ? { sentAt: iso } : {};
    return { kind: 'webhook', actor: 'meta', what: webhookWhat(event), ...sentAt };
  },
  [slotAnswerSignal.name]: (arg) => {
    const answer = allowed(slotAnswerFields, arg);
    const refused = answer?.refused;
    if (refused)
      return {
        kind: 'portfolio',
        actor: 'numberflow',
        what: `refused the slot request: ${wabaElsewhereText(refused)}`,
      };
    let what = 'the portfolio answered';
    if (answer?.granted) what = `the portfolio granted a slot (${answer.held} of ${answer.cap} held)`;
    else if (answer)
      what = `the portfolio's cap of ${answer.cap} is reached: place ${answer.position ?? '?'} in its queue`;
    return { kind: 'portfolio', actor: 'portfolio', what };
  },
};

/** An update's or a signal's entry; one the journey does not define is named, its content left unread. */
export function describeMessage(name: string, arg: unknown, how: 'update' | 'signal'): Described {
  const describe = Object.hasOwn(messages, name) ? messages[name] : undefined;
  return describe ? describe(arg) : { kind: 'action', what: `sent the ${how} "${name}"` };
}

/** Whether a message is read at all: an unknown one is never decoded. */
export const knownMessage = (name: string): boolean => Object.hasOwn(messages, name);

/** Updates that answer a plain `{ message }` (not a submission's outcome): the message is their outcome. */
export const plainAnswers: ReadonlySet<string> = new Set([confirmIdentityUpdate.name]);

/** Updates whose answer is a secret (the PIN an admin read back): the answer is never decoded, only said to exist. */
export const secretAnswers: ReadonlyMap<string, string> = new Map([
  [revealPinUpdate.name, 'answered with the PIN (never shown)'],
]);

function webhookWhat(event: NumberEvent): string {
  switch (event.kind) {
    case 'quality':
      return `quality update ${event.event}${event.currentLimit ? ` (limit ${event.currentLimit})` : ''}`;
    case 'name': {
      const why = event.rejectionReason ? ` (${event.rejectionReason})` : '';
      return `display name "${event.requestedName}" ${event.decision}${why}`;
    }
    case 'status':
      return `status ${event.status}`;
    case 'partner_removed':
      return `partner removed${event.reason ? ` (${event.reason})` : ''}${event.initiatedBy ? ` by ${event.initiatedBy}` : ''}`;
    case 'restriction':
      return `account restricted ${restrictionWords(event)}`;
    case 'paid_message':
      return `a paid message was sent at ${event.at}`;
    case 'account':
      return `account update ${event.event}${event.detail ? ` (${event.detail})` : ''}`;
  }
}
