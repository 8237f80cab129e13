// Stage 8 and the display-name change in LIVE: Meta reviews the name; a rejection asks an operator for a new
// one; an approved change needs a new register within 14 days (meta-graph.md §2.10).
import { condition } from '@temporalio/workflow';
import { journeyPolicy } from '../../domain/policy.js';
import { end, failedByMeta, JourneyEnd } from './ending.js';
import { answer, nextSubmission } from './inbox.js';
import { callMeta, graph } from './meta.js';
import { register } from './registration.js';
import type { Journey, NameDecision } from './state.js';
import { verifyOwnership } from './verification.js';

export async function reviewDisplayName(journey: Journey, checkNow: boolean): Promise<void> {
  let poll = checkNow; // an adopted number's name may be decided already
  for (;;) {
    journey.enter('DISPLAY_NAME_REVIEW', { for: 'meta', reason: 'Meta reviews the display name', until: null });
    const decision = await awaitNameDecision(journey, poll);
    poll = false;
    if (decision?.approved) {
      if (journey.displayName.pending) await applyApprovedName(journey);
      journey.displayName.status = 'APPROVED';
      return;
    }
    const rejected = journey.displayName.pending ?? journey.displayName.current;
    journey.displayName = { ...journey.displayName, pending: null, status: 'DECLINED' };
    const why = decision?.approved === false && decision.reason ? ` (${decision.reason})` : '';
    journey.enter('AWAITING_NEW_NAME', {
      for: 'operator',
      reason: `Meta rejected the display name "${rejected}"${why}: an operator must submit a new one`,
      until: new Date(Date.now() + journeyPolicy.humanInputWaitMs).toISOString(),
    });
    if (!(await nextSubmission(journey, 'newName', journeyPolicy.humanInputWaitMs))) {
      throw end(
        'FAILED',
        'DISPLAY_NAME_REJECTED',
        `Meta rejected "${rejected}" and no new name was submitted`,
        "Choose a display name that follows Meta's display-name guidelines (it must relate to the business), then start a new journey.",
      );
    }
    await submitNameChange(journey);
  }
}

/**
 * A name change asked for in LIVE: submitted, reviewed, and on approval the number registers again. The number
 * stays live whatever happens here: a failure is noted and the journey stays LIVE with its current name.
 */
export async function changeDisplayName(journey: Journey): Promise<void> {
  try {
    if (!(await submitNameChange(journey))) return;
    const decision = await awaitNameDecision(journey, false, () => journey.removalRequest !== null);
    if (!decision) return; // removal asked for meanwhile
    if (decision.approved) return await applyApprovedName(journey);
    journey.note(
      'meta',
      `rejected the display name "${journey.displayName.pending}"${decision.reason ? ` (${decision.reason})` : ''}`,
    );
    journey.displayName = { ...journey.displayName, pending: null, status: 'DECLINED' };
  } catch (err) {
    if (!(err instanceof JourneyEnd)) throw err;
    journey.note('numberflow', `the display-name change stopped: ${err.result.reason}. ${err.result.remediation}`);
    journey.displayName = { ...journey.displayName, pending: null, status: 'CHANGE_FAILED' };
  }
}

/** Sends the operator's new name to Meta; the pending name is set first, as Meta's decision can beat the answer. */
async function submitNameChange(journey: Journey): Promise<boolean> {
  const submission = journey.newName;
  if (!submission) return false;
  const before = journey.displayName;
  journey.displayName = { ...before, pending: submission.value, status: 'PENDING_REVIEW' };
  journey.nameDecision = null;
  try {
    await callMeta(journey, () => graph.requestDisplayNameChange(journey.ref, submission.value));
  } catch (err) {
    journey.displayName = before;
    const failure = failedByMeta(err, 'Submitting the display name');
    answer(journey, 'newName', { accepted: false, message: failure.result.reason, attemptsLeft: null });
    if (journey.stage === 'LIVE') return false;
    throw failure;
  }
  journey.note(submission.actor, `submitted the display name "${submission.value}" for review`);
  answer(journey, 'newName', { accepted: true, message: 'display name submitted for review', attemptsLeft: null });
  return true;
}

async function awaitNameDecision(
  journey: Journey,
  pollFirst: boolean,
  abandon: () => boolean = () => false,
): Promise<NameDecision | null> {
  if (pollFirst) journey.nameDecision ??= await pollNameStatus(journey);
  while (!journey.nameDecision) {
    await condition(() => journey.nameDecision !== null || abandon(), journeyPolicy.nameReviewPollMs);
    if (abandon()) return null;
    journey.nameDecision ??= await pollNameStatus(journey); // safety net for a lost webhook
  }
  const decision = journey.nameDecision;
  journey.nameDecision = null;
  return decision;
}

async function pollNameStatus(journey: Journey): Promise<NameDecision | null> {
  const snapshot = await callMeta(journey, () => graph.readNumber(journey.ref)).catch((err: unknown) => {
    throw failedByMeta(err, 'Reading the display-name status');
  });
  if (snapshot.gone) return null;
  const status = journey.displayName.pending ? snapshot.newNameStatus : snapshot.nameStatus;
  if (status === 'APPROVED' || status === 'AVAILABLE_WITHOUT_REVIEW') return { approved: true };
  if (status === 'DECLINED') return { approved: false, reason: null };
  return null;
}

/** Meta applies an approved name only at the next register, which must come within 14 days. */
async function applyApprovedName(journey: Journey): Promise<void> {
  const name = journey.displayName.pending ?? journey.displayName.current;
  // A coexistence number is never registered through the API: Meta applies its name without a register.
  if (!journey.isCoexistence) {
    journey.reRegisterBy = Date.now() + journeyPolicy.reRegisterWindowMs;
    journey.note('meta', `approved the display name "${name}"; registering again to apply it`);
    while ((await register(journey, name)) === 'reverify') await verifyOwnership(journey);
  }
  journey.displayName = { current: name, pending: null, status: 'APPROVED' };
  journey.reRegisterBy = null;
}
