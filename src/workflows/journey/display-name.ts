// Stage 8 and the display-name change in LIVE: Meta reviews the name; a rejection asks an operator for a new
// one; an approved change needs a new register within 14 days (docs/meta-graph-api.md#display-name-changes).
import { CancellationScope, condition, isCancellation, patched } from '@temporalio/workflow';
import { withDetails } from '../../domain/meta-error.js';
import { approvedAtMeta } from '../../domain/number.js';
import { journeyPolicy } from '../../domain/policy.js';
import { beforeDeadline } from './deadline.js';
import { end, failedByMeta, JourneyEnd } from './ending.js';
import type { Journey, NameDecision } from './journey.js';
import { readNumber, requestDisplayNameChange } from './activity-proxies.js';
import { callMeta } from './call-meta.js';
import { metaErrorOf, passesWithTime, whyFailed } from './failures.js';
import { register } from './registration.js';
import { verifyOwnership } from './verification.js';
import {
  DEREGISTERED_RENAME_ENDS_PATCH,
  FOUND_NAME_READ_PATCH,
  NAME_READ_FAILURE_WAITS_PATCH,
  REFUSED_NAME_WAITS_PATCH,
  REMOVAL_STOPS_RENAME_PATCH,
  RENAME_ROUND_PATCH,
  RENAME_STOP_ANSWERS_PATCH,
  RENAME_WINDOW_FROM_DECISION_PATCH,
  REPLACED_NAME_READ_PATCH,
} from './patches.js';

/** A name Meta may have decided before the journey: an adopted number's, or one the add found on the WABA. */
export function nameMayBeDecided(journey: Journey, adopted: boolean): boolean {
  if (adopted) return true;
  journey.followsFoundName = journey.foundOnWaba && patched(FOUND_NAME_READ_PATCH);
  return journey.followsFoundName;
}

/**
 * When Meta's window to register again began: its date of the approval, no earlier than the name was sent (the
 * clocks differ a little) and no later than now; now when Meta gave no date (the 12-hourly read, an undated webhook).
 */
function reRegisterWindowFrom(journey: Journey, decidedAt: number | undefined): number {
  const now = Date.now();
  if (decidedAt === undefined || Number.isNaN(decidedAt)) return now;
  const from = Math.min(now, Math.max(decidedAt, journey.state.nameSentAt ?? decidedAt));
  return from < now && patched(RENAME_WINDOW_FROM_DECISION_PATCH) ? from : now;
}

export async function reviewDisplayName(journey: Journey, checkNow: boolean): Promise<void> {
  let poll = checkNow; // a name Meta may have decided already
  // Meta's decision came before the journey got here (its webhook is in history): no review stage to enter and
  // leave at the same instant (journeys from FEWER_EVENTS_PATCH or FEWER_WRITES_PATCH on; one upsert fewer).
  let decided = journey.inbox.nameDecision.busy && !poll && journey.makesFewerEvents();
  for (;;) {
    if (!decided)
      journey.enter('DISPLAY_NAME_REVIEW', { for: 'meta', reason: 'Meta reviews the display name', until: null });
    decided = false;
    const decision = await awaitNameDecision(journey, poll);
    poll = false;
    if (decision?.approved) {
      const { displayName, givenNameAsked } = journey.state;
      if (displayName.pending && displayName.pending !== givenNameAsked) {
        await applyApprovedName(journey, decision.decidedAt);
      } else journey.nameApproved(displayName.pending ?? displayName.current);
      return;
    }
    const rejected = journey.nameUnderReview;
    journey.nameChangeStopped('DECLINED');
    const why = decision?.approved === false && decision.reason ? ` (${decision.reason})` : '';
    // Noted, as a live rename's is: the waiting reason says it only until the next name is submitted.
    journey.note('meta', `rejected the display name "${rejected}"${why}`);
    journey.enter('AWAITING_NEW_NAME', {
      for: 'operator',
      reason: `Meta rejected the display name "${rejected}"${why}: an operator must submit a new one`,
      until: new Date(Date.now() + journeyPolicy.humanInputWaitMs).toISOString(),
    });
    await newNameTaken(journey, rejected);
  }
}

/** Waits for an operator's new name until Meta takes one, or the wait's deadline ends the journey. */
async function newNameTaken(journey: Journey, rejected: string): Promise<void> {
  const until = Date.now() + journeyPolicy.humanInputWaitMs;
  for (let waitMs = journeyPolicy.humanInputWaitMs; ; waitMs = until - Date.now()) {
    if (waitMs <= 0 || !(await journey.inbox.displayName.next(waitMs))) {
      throw end('DISPLAY_NAME_REJECTED', { name: rejected });
    }
    if (await submitNameChange(journey)) return;
  }
}

/**
 * A name change asked for in LIVE: submitted, reviewed, and on approval the number registers again. The number
 * stays live whatever happens here: a failure is noted and the journey stays LIVE with its current name.
 */
export async function changeDisplayName(journey: Journey): Promise<void> {
  try {
    if (!(await submitNameChange(journey))) return;
    const decision = await awaitNameDecision(journey, false, () => journey.inbox.removal.busy);
    if (!decision) return journey.renameStoppedForRemoval(); // under Meta's review still: it read pending for good
    if (decision.approved) return await applyApprovedName(journey, decision.decidedAt);
    journey.note(
      'meta',
      `rejected the display name "${journey.nameUnderReview}"${decision.reason ? ` (${decision.reason})` : ''}`,
    );
    journey.nameChangeStopped('DECLINED');
  } catch (err) {
    if (!(err instanceof JourneyEnd)) throw err;
    stopRename(journey, `the display-name change stopped: ${err.result.reason}`);
    // The ending's remediation is a journey's (start a new one): the number is live, and the name may be asked again.
    const { current } = journey.state.displayName;
    journey.note(
      'numberflow',
      `the display-name change stopped: ${err.result.reason}. The number stays live as "${current}"; submit the name again to try again`,
    );
    journey.nameChangeStopped('CHANGE_FAILED');
  }
}

/**
 * Asks Meta for the name an adopted number was given instead of Meta's (GIVEN_NAME_PATCH), as a change under review:
 * the journey follows Meta's name until Meta approves it. Meta's refusal, or no answer, leaves Meta's name, noted.
 */
export async function askForGivenName(journey: Journey, name: string): Promise<void> {
  const before = journey.nameSubmitted(name);
  try {
    await callMeta(journey, (repeat) => requestDisplayNameChange(journey.ref, name, { repeat }));
  } catch (err) {
    journey.nameRestored(before);
    const failure = failedByMeta(err, 'Submitting the display name');
    const { who, what } = submissionFailure(err);
    journey.note(
      who,
      `${what} "${name}": ${failure.result.reason}. The journey follows Meta's name "${before.current}"; ask for a name change once live to use another`,
    );
    return;
  }
  journey.nameChangeAsked();
  journey.givenNameAsked(name);
  journey.note(journey.input.requestedBy, `submitted the display name "${name}" for review`);
}

/** A name Meta did not take: its refusal, or numberflow's own failure to ask (Graph unreachable), said by whoever. */
function submissionFailure(err: unknown): { who: 'meta' | 'numberflow'; what: string } {
  return metaErrorOf(err)
    ? { who: 'meta', what: 'refused the display name' }
    : { who: 'numberflow', what: 'could not submit the display name' };
}

/**
 * Sends the operator's new name to Meta; the pending name is set first, as Meta's decision can beat the answer.
 * A repeated request (after a lost answer or an outage) reads Meta first, so the change is asked for once.
 */
async function submitNameChange(journey: Journey): Promise<boolean> {
  const { displayName } = journey.inbox;
  const submission = displayName.peek();
  if (!submission) return false;
  const before = journey.nameSubmitted(submission.value);
  journey.inbox.nameDecision.take(); // a decision on the previous name is not one on this
  try {
    await callMeta(journey, (repeat) => requestDisplayNameChange(journey.ref, submission.value, { repeat }));
  } catch (err) {
    journey.nameRestored(before);
    const failure = failedByMeta(err, 'Submitting the display name');
    // Meta's rule is in its details (the 10 changes in 30 days answer a bare "invalid parameter").
    const reason = withDetails(failure.result.reason, metaErrorOf(err)?.details);
    if (journey.stage === 'LIVE') {
      displayName.answer({ accepted: false, message: reason, attemptsLeft: null });
      return false;
    }
    if (!patched(REFUSED_NAME_WAITS_PATCH)) {
      displayName.answer({ accepted: false, message: reason, attemptsLeft: null });
      throw failure;
    }
    const message = `${reason}; the journey still waits for a new name until its wait ends`;
    const { who, what } = submissionFailure(err);
    journey.note(who, `${what} "${submission.value}": ${reason}`);
    displayName.answer({ accepted: false, message, attemptsLeft: null });
    return false;
  }
  journey.nameChangeAsked();
  journey.note(submission.actor, `submitted the display name "${submission.value}" for review`);
  displayName.answer({ accepted: true, message: 'display name submitted for review', attemptsLeft: null });
  return true;
}

async function awaitNameDecision(
  journey: Journey,
  pollFirst: boolean,
  abandon: () => boolean = () => false,
): Promise<NameDecision | null> {
  const { nameDecision } = journey.inbox;
  // A new review: its first failed read is noted again (a decision by webhook leaves the last review's failure set).
  journey.nameReadFailed = false;
  if (pollFirst && !nameDecision.busy) await pollNameStatus(journey);
  while (!nameDecision.busy) {
    await condition(() => nameDecision.busy || abandon() || journey.nameReadWanted, journeyPolicy.nameReviewPollMs);
    if (abandon()) return null;
    journey.nameReadWanted = false;
    if (!nameDecision.busy) await pollNameStatus(journey); // safety net for a lost webhook, or one ignored
  }
  return nameDecision.take()?.value ?? null;
}

async function pollNameStatus(journey: Journey): Promise<void> {
  const reviewWait = journey.state.waiting; // what the journey waits for, which the read's own waits replace
  // The `.catch` shape of runs before the patch, kept: a read that goes through resumes as it did then.
  const snapshot = await callMeta(journey, () => readNumber(journey.ref)).catch((err: unknown) => {
    const waits = !isCancellation(err) && passesWithTime(err) && patched(NAME_READ_FAILURE_WAITS_PATCH);
    if (!waits) throw failedByMeta(err, 'Reading the display-name status');
    journey.resumeWaiting(reviewWait); // Meta's decision again, not the read's outage wait, long past
    if (!journey.nameReadFailed) {
      const why = whyFailed(err, { wrapped: true }); // Meta's words, or what the activity's failure wraps
      journey.note(
        'numberflow',
        `could not read the display name's review status at Meta (${why}); waiting for Meta's decision, read again in 12 hours`,
      );
    }
    journey.nameReadFailed = true;
    return null;
  });
  if (snapshot === null) return;
  journey.nameReadFailed = false;
  if (snapshot.gone) return;
  // A number found on the WABA has the name Meta has for it (added by hand under another): its status is of that name.
  if (journey.followsFoundName && snapshot.verifiedName && !journey.state.displayName.pending) {
    journey.nameAtMeta(snapshot.verifiedName);
  }
  const { pending } = journey.state.displayName;
  // Meta may take a change of a name it never approved as the name itself (no new_name_status): its status is then
  // the change's. Asked only where that status decides.
  const replaced = pending !== null && snapshot.newNameStatus === null && snapshot.verifiedName === pending;
  const decides = approvedAtMeta(snapshot.nameStatus) || snapshot.nameStatus === 'DECLINED';
  const status = !pending
    ? snapshot.nameStatus
    : replaced && decides && patched(REPLACED_NAME_READ_PATCH)
      ? snapshot.nameStatus
      : snapshot.newNameStatus;
  if (approvedAtMeta(status)) {
    journey.inbox.nameDecision.put({ approved: true }, 'meta');
  }
  if (status === 'DECLINED') journey.inbox.nameDecision.put({ approved: false, reason: null }, 'meta');
}

/** Runs a live rename's register until it ends, or an admin asks for the number's removal: then false. */
async function unlessRemovalRequested(journey: Journey, work: () => Promise<void>): Promise<boolean> {
  if (!journey.state.wentLive) {
    await work(); // an onboarding is cancelled instead
    return true;
  }
  // Come while Meta's decision was read: the register is not started (the watcher would stop it only once in flight).
  if (journey.inbox.removal.busy && patched(REMOVAL_STOPS_RENAME_PATCH)) return false;
  const watch = new CancellationScope();
  const rename = new CancellationScope();
  let stopped = false;
  const watching = watch
    .run(() => condition(() => journey.inbox.removal.busy))
    .then(
      () => {
        if (!patched(REMOVAL_STOPS_RENAME_PATCH)) return;
        stopped = true;
        rename.cancel(); // a register in flight is answered first (it is not cancellable)
      },
      () => undefined, // the rename ended first
    );
  try {
    await rename.run(work);
    return true;
  } catch (err) {
    if (stopped && isCancellation(err)) return false;
    throw err;
  } finally {
    watch.cancel();
    await watching;
  }
}

function stopRename(journey: Journey, why: string): void {
  if (journey.holdsRenameInput && patched(RENAME_STOP_ANSWERS_PATCH)) journey.answerRenameInputs(why);
}

/**
 * Meta applies an approved name only at the next register, which must come within 14 days: a durable deadline.
 * Missed (Meta's limits, no PIN in time), the number keeps its current name and the journey says what to do.
 */
async function applyApprovedName(journey: Journey, decidedAt: number | undefined): Promise<void> {
  const name = journey.nameUnderReview;
  // A coexistence number is never registered through the API: Meta applies its name without a register.
  if (!journey.state.coexistence) {
    const deadline = reRegisterWindowFrom(journey, decidedAt) + journeyPolicy.reRegisterWindowMs;
    journey.nameApprovedToApply(deadline);
    journey.note('meta', `approved the display name "${name}"; registering again to apply it`);
    let verified = false;
    let stoppedForRemoval = false;
    const applied = await beforeDeadline(deadline - Date.now(), async () => {
      stoppedForRemoval = !(await unlessRemovalRequested(journey, async () => {
        while ((await register(journey, name)) === 'reverify') {
          // A live number Meta makes verify again is in a round of its own: the codes and PINs of its onboarding
          // and earlier renames do not count (decided only where some were spent).
          if (!verified && journey.state.wentLive && journey.verificationSpent && patched(RENAME_ROUND_PATCH)) {
            journey.newVerificationRound();
          }
          // Said where the operator looks: why a live number now waits for a code (the number stays live).
          if (!verified && journey.state.wentLive) {
            journey.note('meta', `asks for the number to be verified again (133006) before "${name}" is applied`);
          }
          verified = true;
          await verifyOwnership(journey);
        }
      }));
    });
    if (stoppedForRemoval) return journey.renameStoppedForRemoval();
    if (!applied) {
      const missed = `the approved name "${name}" was not applied: the number could not register again within 14 days of the approval`;
      // Deregistered on the way (Meta's cure for 133000) and not registered again: it must not go live so.
      if (!journey.state.wentLive && !journey.state.registered && patched(DEREGISTERED_RENAME_ENDS_PATCH)) {
        throw end('NOT_REGISTERED_AGAIN', { name });
      }
      stopRename(journey, missed);
      journey.note('numberflow', `${missed}. It keeps its current name; request the name change again.`);
      journey.nameChangeStopped('REREGISTER_WINDOW_MISSED');
      if (journey.stage !== 'LIVE') journey.enter('DISPLAY_NAME_REVIEW');
      return;
    }
    // Said as it happens, so that a page following the journey shows the name in effect without a refresh.
    journey.note('numberflow', `registered again: the display name "${name}" is in effect`);
  }
  journey.nameApproved(name);
}
