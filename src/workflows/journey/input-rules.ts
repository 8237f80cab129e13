// The rules a person's input is held to before the journey takes it: what the handlers refuse, in one place. Each
// throws the refusal's words (an update's validator throws them; a signal's handler notes them) or returns them.
// Validators never replay; a rule a signal's handler applies is decided behind its patch there (handlers.ts).
import { journeyPolicy } from '../../domain/policy.js';
import {
  removalRoles,
  type DeletionConfirmation,
  type RemovalRequest,
  type ResendRequest,
} from '../../domain/messages.js';
import { checkActor, checkDisplayName } from '../../domain/operator-input.js';
import type { JourneyStage } from '../../domain/stages.js';
import type { Inbox } from './inbox.js';
import type { Journey } from './journey.js';
import { deletionRefusedUntil } from './removal.js';

/** The message of what `check` throws, or null when it passes. */
export function refusal(check: () => unknown): string | null {
  try {
    check();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** An update validator's refusal: the problem found, if any, thrown. */
export function refuseWith(problem: string | null): void {
  if (problem !== null) throw new Error(problem);
}

/** The journey waits in `stage` for `what`, and is not being cancelled. */
export function inStage(journey: Journey, stage: JourneyStage, what: string): void {
  if (journey.stage !== stage) throw new Error(`this journey is not waiting for ${what} (stage ${journey.stage})`);
  if (journey.state.cancel) throw new Error('the journey is being cancelled');
}

/** Nothing of `what` is being worked on already. */
export function idle(inbox: Inbox<unknown>, what: string): void {
  if (inbox.busy) throw new Error(`${what} is already being worked on; wait for its outcome`);
}

/** A new display name is taken now: the name rejected, or the number live with no change under way. */
export function nameTurn(journey: Journey): void {
  if (journey.stage !== 'AWAITING_NEW_NAME' && journey.stage !== 'LIVE') {
    throw new Error(`this journey takes a new display name only when it is rejected or live (stage ${journey.stage})`);
  }
  if (journey.state.cancel) throw new Error('the journey is being cancelled');
  if (journey.inbox.removal.busy) throw new Error('the number is being removed');
  if (journey.inbox.displayName.busy || (journey.stage === 'LIVE' && journey.state.displayName.pending)) {
    throw new Error('a display-name change is already under way');
  }
}

/** What only an update refuses of a new name (signals took it before): Meta would refuse it, or review it for nothing. */
export function checkNewName(journey: Journey, name: string): void {
  checkDisplayName(name); // the rule's later parts (a character lost to an encoding)
  // Meta would review it again for nothing; on a live number, an approval would cost a register call.
  const { displayName, declinedName } = journey.state;
  if (name === declinedName || (journey.stage === 'AWAITING_NEW_NAME' && name === displayName.current)) {
    throw new Error(`Meta rejected "${name}": submit another name`);
  }
  if (name === displayName.current) throw new Error(`"${name}" is the number's display name already`);
  // Meta's limit, which it answers with a bare "invalid parameter" (100): said before anything is asked.
  const allowedFrom = journey.nameChangeAllowedFrom();
  if (allowedFrom !== null) {
    const { nameChangesPerWindow, nameChangeWindowMs } = journeyPolicy;
    throw new Error(
      `Meta allows ${nameChangesPerWindow} display-name changes of a number in ${nameChangeWindowMs / 86_400_000} days, and this number's are spent: submit it from ${new Date(allowedFrom).toISOString()}`,
    );
  }
}

/** Why a resend is refused (its actor, its stage, its method), or null. */
export function resendRefusal(journey: Journey, { method, actor }: ResendRequest): string | null {
  return refusal(() => {
    checkActor(actor);
    inStage(journey, 'AWAITING_OTP', 'a resend');
    if (method !== undefined && method !== 'SMS' && method !== 'VOICE') {
      throw new Error(`the code method must be SMS or VOICE, got ${String(method)}`);
    }
    if (method === 'SMS' && journey.input.ivr) throw new Error('an IVR number cannot receive SMS; use VOICE');
  });
}

/** The codes a journey asks for are spent: a resend past them ended it, though the latest code still stood. */
export function codesSpent(journey: Journey): string | null {
  const { maxCodeRequests } = journeyPolicy;
  if (journey.state.attempts.codeRequests < maxCodeRequests) return null;
  const orCancel = journey.state.wentLive ? '' : ', or cancel'; // a live number is removed, never cancelled
  return `${maxCodeRequests} of ${maxCodeRequests} codes have been requested, the most a journey asks for: submit the latest code${orCancel}`;
}

/**
 * Why a removal is refused, or null. `duringRename`: a live rename's register is stopped by a removal (the patch,
 * decided in a signal's handler).
 */
export function removalRefusal(journey: Journey, request: RemovalRequest, duringRename: () => boolean): string | null {
  return refusal(() => {
    checkActor(request.actor);
    if (!(removalRoles as readonly string[]).includes(request.role)) {
      throw new Error(`role "${request.role}" lacks admin rights on the portfolio; only an admin can remove a number`);
    }
    if (journey.stage === 'REMOVING' && !journey.state.restriction) {
      throw new Error('the number is being removed already (stage REMOVING)');
    }
    if (journey.stage !== 'LIVE' && journey.stage !== 'REMOVING' && !(journey.applyingLiveRename && duringRename())) {
      throw new Error(`removal applies to a live number (stage ${journey.stage}); cancel an onboarding instead`);
    }
  });
}

/** Why a deletion confirmation is refused (its actor, its stage), or null. */
export function confirmationRefusal(journey: Journey, { actor }: DeletionConfirmation): string | null {
  return refusal(() => (checkActor(actor), inStage(journey, 'REMOVING', 'a deletion confirmation')));
}

/**
 * What only an update refuses of a deletion confirmation: a removal blocked, or Meta's refusal to delete a number
 * within its paid-message block — else it would wait, unanswered, for the block's end (the operator's client gave up
 * on it as "still working"), and refuse every confirmation after it as already under way.
 */
export function checkDeletionAllowed(journey: Journey): void {
  const blocked = journey.state.restriction;
  if (blocked) throw new Error(`the removal is blocked: ${blocked.reason}; request the removal again first`);
  const refusedUntil = deletionRefusedUntil(journey);
  if (refusedUntil !== null) {
    const until = new Date(refusedUntil).toISOString();
    const days = Math.round(journeyPolicy.paidMessageBlockMs / 86_400_000);
    throw new Error(
      `Meta refuses to delete the number until ${until}, ${days} days after its last paid message (with an hour's margin: numberflow hears of paid messages once an hour): delete it in WhatsApp Manager from then on, then confirm`,
    );
  }
}
