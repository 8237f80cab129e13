// Why a durable wait was started. History records only a timer and its duration; the reason follows from where the
// journey stood: the stage, the Meta error just answered, the 14-day window counted from the signup time.
import { PAID_MESSAGE_BLOCK, SIGNUP_WINDOW_MS } from '../domain/journey.js';
import { journeyPolicy } from '../domain/policy.js';
import type { StageOrOutcome } from '../domain/stages.js';
import type { MetaAnswer } from './types.js';

export interface WaitContext {
  stage: StageOrOutcome;
  durationMs: number;
  untilMs: number;
  /** When Embedded Signup finished (from the run's input), for the 14-day window. */
  signupAtMs: number | null;
  /** The Graph call that failed just before the timer, if one did. */
  failedCall: { meta: MetaAnswer | undefined } | null;
}

/** 5 s, 15 min, 72 h: the unit a person would use. */
function spoken(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

const byStage: Partial<Record<StageOrOutcome, string>> = {
  WAITING_FOR_CAPACITY: "the portfolio's answer to the slot request (asked again after a day of silence)",
  AWAITING_OTP: "an operator's code; a new code is requested when none comes in time",
  AWAITING_PIN: "an operator's two-step PIN (7 days)",
  AWAITING_NEW_NAME: "an operator's new display name after a rejection (7 days)",
  AWAITING_CONNECTED: 'Meta to show the number CONNECTED (read again with backoff; 7 days at most)',
  DISPLAY_NAME_REVIEW: "Meta's display-name review (the name status is read again every 12 hours)",
  REMOVING: 'an admin to delete the number in WhatsApp Manager (Meta is looked at every 6 hours)',
};

/** The longest wait numberflow makes before calling Meta again (a rate limit's retry-after). */
const RETRY_WAIT_AT_MOST_MS = 60 * 60 * 1000;

/**
 * How much shorter than 14 days a live rename's window may be and still be read as it, in LIVE: the approval
 * delivered late (the webhook inbox keeps a delivery up to 7 days).
 */
const RENAME_WINDOW_SLACK_MS = 7 * 24 * 60 * 60 * 1000;

/** Stages whose long waits are for a person (humanInputWaitMs, or what is left of it). */
const PERSON_STAGES: readonly StageOrOutcome[] = ['AWAITING_PIN', 'AWAITING_NEW_NAME'];

export function waitReason(wait: WaitContext): string {
  // The window races everything up to registration, so its timer is recognised by its deadline, whatever the stage.
  if (wait.signupAtMs !== null && Math.abs(wait.signupAtMs + SIGNUP_WINDOW_MS - wait.untilMs) < 2) {
    return 'the 14-day Embedded Signup window closes (registration must happen before)';
  }
  // Counted from Meta's approval date (patch rename-window-from-meta-decision), the window's timer is a little
  // shorter than 14 days: by the approval's delivery, the date's whole seconds.
  const renameWindowShort = journeyPolicy.reRegisterWindowMs - wait.durationMs;
  // Exactly 14 days in any stage (the window's timer before the patch); a little less only in LIVE, where no other
  // wait lasts days (a removal's for the paid-message block may; the signup window's, unread, is 14 days before LIVE).
  if (
    renameWindowShort === 0 ||
    (renameWindowShort > 0 && renameWindowShort < RENAME_WINDOW_SLACK_MS && wait.stage === 'LIVE')
  ) {
    return 'Meta applies an approved display name at the next register, which must come within 14 days of the approval';
  }
  // A person's wait (days) after Meta refused something (a name, a PIN) is the person's, not a retry's (minutes; an
  // hour at most, Meta's call limit's).
  const personWait = PERSON_STAGES.includes(wait.stage) && wait.durationMs > RETRY_WAIT_AT_MOST_MS;
  if (wait.failedCall && !personWait) return afterFailure(wait.failedCall.meta, wait.durationMs);
  switch (wait.stage) {
    case 'REGISTERING':
      return 'Meta allows 10 register and deregister calls per 72 h; numberflow waits';
    case 'REMOVING':
      if (wait.durationMs !== journeyPolicy.deletionPollMs) return PAID_MESSAGE_BLOCK;
      break;
    case 'LIVE':
      // A live rename waits on Meta's review too, polled every 12 hours, inside the 14 days to register again.
      if (wait.durationMs === journeyPolicy.nameReviewPollMs) return byStage.DISPLAY_NAME_REVIEW as string;
      break;
  }
  return byStage[wait.stage] ?? `a durable wait of ${spoken(wait.durationMs)}`;
}

function afterFailure(meta: MetaAnswer | undefined, durationMs: number): string {
  if (!meta) return `Meta did not answer: numberflow waits ${spoken(durationMs)}, then calls again`;
  if (meta.code === 133016) return "Meta's register limit (133016): a durable wait of 72 hours, then one register";
  if (meta.code === 133015) return 'the number was deleted moments ago (133015): numberflow waits, then registers';
  return `Meta error ${meta.code}: numberflow waits ${spoken(durationMs)}, then calls again`;
}
