// Stage 10: LIVE. The journey stays open as the number's entity: it records Meta's events, answers the
// current phone_number_id, takes display-name changes, and waits for a removal request.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import type { JourneyInput, JourneyResult } from '../../domain/journey.js';
import type { RemovalRequest } from '../../domain/messages.js';
import type { Submission } from './inbox.js';
import { changeDisplayName } from './display-name.js';
import type { Journey } from './journey.js';
import { enableIdentityCheck as enableIdentityCheckActivity, readNumber } from './activity-proxies.js';
import { callMeta } from './call-meta.js';
import { metaErrorOf, whyFailed } from './failures.js';
import { limitedAndRegistered } from './limited.js';
import { journeyPolicy } from '../../domain/policy.js';
import type { CarriedState, JourneyState } from './state.js';
import {
  DISCONNECTION_ENDS_PATCH,
  NO_ANSWER_WITH_CONTINUE_AS_NEW_PATCH,
  REMOVAL_STOPS_RENAME_PATCH,
  SUBMISSION_BEFORE_RUN_ENDS_PATCH,
} from './patches.js';

type JourneyWorkflow = (input: JourneyInput, carried?: CarriedState) => Promise<JourneyResult>;

export async function enableIdentityCheck(journey: Journey): Promise<void> {
  journey.enter('ENABLING_IDENTITY_CHECK');
  try {
    await callMeta(journey, () => enableIdentityCheckActivity(journey.ref));
    journey.identityCheckSet(true, 'numberflow');
  } catch (err) {
    if (isCancellation(err)) throw err;
    // The number works without it; an operator can turn it on later.
    journey.note('meta', `refused the identity-change check: ${metaErrorOf(err)?.message ?? String(err)}`);
  }
}

/**
 * Reads a limited live number's status again. It waits for no token and no outage (a removal or a rename asked
 * meanwhile would wait with it): a failure is noted once until a read goes through, and the next read is the next
 * poll's. A number Meta no longer shows is polled no more.
 */
async function readLimitedNumber(journey: Journey): Promise<void> {
  const before = journey.state.status;
  try {
    const snapshot = await callMeta(journey, () => readNumber(journey.ref), {
      noTokenWait: true,
      noMetaWait: () => true,
    });
    journey.seenAtMeta(snapshot.gone ? 'DELETED' : snapshot.status);
    journey.limitedReadFailed = false;
  } catch (err) {
    if (isCancellation(err)) throw err;
    if (!journey.limitedReadFailed) {
      const why = whyFailed(err);
      journey.note('numberflow', `could not read the number's status at Meta (${why}); read again in 6 hours`);
    }
    journey.limitedReadFailed = true;
    return;
  }
  if (journey.state.status !== before)
    journey.note('meta', `shows the number ${journey.state.status ?? 'without a status'}`);
}

/** What takes a live number out of LIVE: a removal request, or the business disconnecting it (coexistence). */
export type LiveEnd =
  { removal: Submission<RemovalRequest> } | { disconnected: NonNullable<JourneyState['disconnection']> };

export async function live(journey: Journey): Promise<LiveEnd> {
  const { removal, displayName } = journey.inbox;
  journey.goLive();
  const disconnected = () => journey.disconnectedForGood !== null && patched(DISCONNECTION_ENDS_PATCH);
  for (;;) {
    // A removal that stopped a rename goes to REMOVING from where the rename was: entering LIVE on the way would
    // show, for no time at all, a stage the number was not in.
    if (!(removal.busy && patched(REMOVAL_STOPS_RENAME_PATCH))) journey.enter('LIVE');
    const woken = () => removal.busy || displayName.busy || workflowInfo().continueAsNewSuggested || disconnected();
    // A number Meta limits is read again now and then: no webhook says when Meta lifts it.
    if (limitedAndRegistered(journey.state.status)) {
      if (!(await condition(woken, journeyPolicy.limitedStatusPollMs))) await readLimitedNumber(journey);
      if (!woken()) continue;
    } else await condition(woken);
    const disconnection = journey.disconnectedForGood;
    if (disconnection && disconnected()) return { disconnected: disconnection };
    const request = removal.peek();
    if (request) return { removal: request };
    if (displayName.busy) {
      await changeDisplayName(journey);
      continue;
    }
    // History grows with every event this number sees: start afresh, carrying the whole state. No submission is
    // in flight here (the inboxes are empty), and every handler has finished. A name or a removal submitted while
    // another handler runs (a test message, the identity check waiting for a token) is taken first: its update
    // finishes only once taken, so waiting for every handler held both for good.
    // Nor in a task that answered an update (a PIN reveal, the identity check, a test message): its client would send
    // it again to the new run, which would take it a second time. A later task (the next event) continues as new.
    // Looked at once the task's every job is in (a condition is tried after each one).
    for (;;) {
      await condition(
        () =>
          allHandlersFinished() || ((removal.busy || displayName.busy) && patched(SUBMISSION_BEFORE_RUN_ENDS_PATCH)),
      );
      if (removal.busy || displayName.busy) break;
      if (!(journey.answeredAnUpdateInThisTask && patched(NO_ANSWER_WITH_CONTINUE_AS_NEW_PATCH))) break;
      // The next input history records (not a task of a refused update alone, which replay would not see).
      const taken = journey.inputsTaken;
      await condition(() => journey.inputsTaken !== taken);
    }
    if (removal.busy || displayName.busy) continue; // came in meanwhile
    return continueAsNew<JourneyWorkflow>(journey.input, journey.state);
  }
}
