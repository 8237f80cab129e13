// A number's journey onto the Cloud API: one workflow per number, id `number:<E.164>` (docs/journey.md).
import {
  allHandlersFinished,
  CancellationScope,
  CancelledFailure,
  condition,
  isCancellation,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import type { JourneyInput, JourneyResult } from '../domain/journey.js';
import { inputToEndWith, journeyInputProblems, numberOfWorkflowId } from '../domain/input-shape.js';
import type { PresentNumber } from '../domain/number.js';
import { waitForCapacity } from './journey/capacity.js';
import { confirmCoexistence } from './journey/coexistence.js';
import { awaitConnected } from './journey/connection.js';
import { beforeSignupDeadline } from './journey/deadline.js';
import { nameMayBeDecided, reviewDisplayName } from './journey/display-name.js';
import { end, JourneyEnd } from './journey/ending.js';
import { installHandlers } from './journey/handlers.js';
import { Journey } from './journey/journey.js';
import { enableIdentityCheck, live } from './journey/live.js';
import { cancelRun } from './journey/activity-proxies.js';
import { addNumber, adoptNumber } from './journey/number.js';
import { verifyAndRegister } from './journey/registration.js';
import { disconnected, leaveTidy, remove } from './journey/removal.js';
import type { CarriedState } from './journey/state.js';
import { CANCEL_AT_LAST_STEP_PATCH, INPUT_CHECKED_PATCH } from './journey/patches.js';

export async function numberJourney(input: JourneyInput, carried?: CarriedState): Promise<JourneyResult> {
  // A run continued as new carries an input its first run took; only a start can bring one no edge checked. The
  // patch is asked only where it decides.
  const e164 = numberOfWorkflowId(workflowInfo().workflowId);
  const found = carried ? [] : journeyInputProblems(input, e164);
  const problems = found.length > 0 && patched(INPUT_CHECKED_PATCH) ? found : [];
  const journey = new Journey(problems.length ? inputToEndWith(input, e164, new Date().toISOString()) : input, carried);
  installHandlers(journey);
  // Temporal's own cancel (the Web UI's button, `temporal workflow cancel`) is a request like an operator's: taken
  // before LIVE, refused and noted once live. It interrupts nothing by itself: the journey decides.
  CancellationScope.current().cancelRequested.catch(() => {
    journey.cancelledThroughTemporal = true;
    if (!journey.state.cancel) journey.requestCancel({ actor: 'temporal', reason: '' }, true);
  });
  return CancellationScope.nonCancellable(async () => {
    const result = await run(journey, problems);
    await condition(allHandlersFinished); // every update is answered before the run closes
    if (result.outcome !== 'CANCELLED') return result;
    // A cancelled onboarding shows as Canceled in Temporal, with its reason on the cancel request.
    if (!journey.cancelledThroughTemporal) {
      const { workflowId, runId } = workflowInfo();
      await cancelRun({ workflowId, runId, reason: result.reason });
      await condition(() => journey.cancelledThroughTemporal);
    }
    throw new CancelledFailure(result.reason);
  });
}

async function run(journey: Journey, inputProblems: readonly string[]): Promise<JourneyResult> {
  const onboarding = new CancellationScope();
  journey.onCancel(() => onboarding.cancel());
  let ending: JourneyEnd;
  try {
    if (inputProblems.length > 0) throw end('INPUT_INVALID', { problems: inputProblems });
    if (!journey.state.wentLive) {
      await onboarding.run(() => onboard(journey));
      // A cancel taken in the task that finished the onboarding's last step (its answer came with the cancel) was
      // told "cancelling", and went LIVE: it is the cancel it was told.
      if (journey.state.cancel && patched(CANCEL_AT_LAST_STEP_PATCH)) throw new CancelledFailure('cancelled');
    }
    const leaving = await live(journey);
    if ('disconnected' in leaving) return journey.finish(await disconnected(journey, leaving.disconnected));
    return journey.finish(await remove(journey, leaving.removal));
  } catch (err) {
    journey.publishBriefStage(); // what follows may wait (tidying up at Meta), or the run fails
    if (err instanceof JourneyEnd) ending = err;
    else if (isCancellation(err) && journey.state.cancel) ending = cancelled(journey);
    else throw err;
  }
  await leaveTidy(journey);
  return journey.finish(ending.result);
}

/** Stages 1–9, starting where Meta stands for an adopted number. */
async function onboard(journey: Journey): Promise<void> {
  const adopted = journey.state.phoneNumberId ? await adoptNumber(journey) : null;
  if (journey.state.coexistence || journey.state.registered) {
    await waitForCapacity(journey, true); // Meta counts it already: it takes its slot at once
  } else if (
    !(await beforeSignupDeadline(journey, () => registerInTime(journey, adopted))) &&
    !journey.state.registered
  ) {
    // (A register in flight when the window closed is waited for: if it took, the window no longer matters.)
    throw end('SIGNUP_WINDOW_CLOSED', {});
  }
  if (journey.state.coexistence) await confirmCoexistence(journey, adopted ?? missingAdoption());
  else await awaitConnected(journey);
  await reviewDisplayName(journey, nameMayBeDecided(journey, adopted !== null));
  if (journey.input.identityCheck) await enableIdentityCheck(journey);
}

async function registerInTime(journey: Journey, adopted: PresentNumber | null): Promise<void> {
  await waitForCapacity(journey);
  const verified = adopted ? adopted.codeVerificationStatus === 'VERIFIED' : await addNumber(journey);
  await verifyAndRegister(journey, verified);
}

function cancelled(journey: Journey): JourneyEnd {
  const request = journey.state.cancel;
  if (!request || request.throughTemporal) return end('CANCELLED_THROUGH_TEMPORAL', {});
  return end('CANCELLED_BY_OPERATOR', { actor: request.actor, why: request.reason }, { actor: request.actor });
}

function missingAdoption(): never {
  // The edge refuses a coexistence journey without a phone_number_id; this only guards the invariant.
  throw end('COEXISTENCE_WITHOUT_ID', {});
}
