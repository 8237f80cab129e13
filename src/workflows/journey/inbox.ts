// Waiting for a person: the journey names who it waits for and why, and answers the update once it acted.
import { condition } from '@temporalio/workflow';
import type { SubmissionOutcome } from '../../domain/messages.js';
import type { Journey, Submission } from './state.js';

export type Inbox = 'otp' | 'pinInput' | 'newName';

/** Waits up to `timeoutMs` for a submission in `inbox`; null when none came. It stays in the inbox until answered. */
export async function nextSubmission(
  journey: Journey,
  inbox: Inbox,
  timeoutMs: number,
): Promise<Submission<string> | null> {
  await condition(() => journey[inbox] !== null, timeoutMs);
  return journey[inbox];
}

/** Answers the submission's update (if it came as one) and empties its inbox. */
export function answer(journey: Journey, inbox: Inbox, outcome: SubmissionOutcome): void {
  journey[inbox]?.reply?.resolve(outcome);
  journey[inbox] = null;
}

/** Answers a refused submission with the attempts left: "code wrong, 2 attempts left". */
export function refuse(journey: Journey, inbox: Inbox, what: string, left: number): void {
  const attempts = left > 0 ? `${left} attempt${left === 1 ? '' : 's'} left` : 'no attempts left';
  answer(journey, inbox, { accepted: false, message: `${what} wrong, ${attempts}`, attemptsLeft: left });
}
