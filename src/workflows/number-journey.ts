// A number's journey onto the Cloud API: one workflow per number, id `number:<E.164>` (design.md, "Workflows").
import { CancellationScope, isCancellation } from '@temporalio/workflow';
import type { JourneyInput, JourneyResult } from '../domain/journey.js';
import type { PresentNumber } from '../domain/number.js';
import { waitForCapacity } from './journey/capacity.js';
import { confirmCoexistence } from './journey/coexistence.js';
import { awaitConnected } from './journey/connection.js';
import { beforeSignupDeadline } from './journey/deadline.js';
import { reviewDisplayName } from './journey/display-name.js';
import { end, JourneyEnd } from './journey/ending.js';
import { installHandlers } from './journey/handlers.js';
import { enableIdentityCheck, live } from './journey/live.js';
import { addNumber, adoptNumber } from './journey/number.js';
import { verifyAndRegister } from './journey/registration.js';
import { leaveTidy, remove } from './journey/removal.js';
import { Journey, type CarriedJourney } from './journey/state.js';

export async function numberJourney(input: JourneyInput, carried?: CarriedJourney): Promise<JourneyResult> {
  const journey = new Journey(input, carried);
  const journeyScope = new CancellationScope();
  installHandlers(journey, () => journeyScope.cancel());
  let ending: JourneyEnd;
  try {
    return journey.finish(await journeyScope.run(() => walk(journey)));
  } catch (err) {
    if (err instanceof JourneyEnd) ending = err;
    else if (isCancellation(err))
      ending = cancelled(journey); // the cancel signal, or Temporal's own cancel
    else throw err;
  }
  await CancellationScope.nonCancellable(() => leaveTidy(journey));
  return journey.finish(ending.result);
}

async function walk(journey: Journey): Promise<JourneyResult> {
  if (!journey.registered) await onboard(journey);
  return remove(journey, await live(journey));
}

/** Stages 1–9, starting where Meta stands for an adopted number. */
async function onboard(journey: Journey): Promise<void> {
  const adopted = journey.phoneNumberId ? await adoptNumber(journey) : null;
  if (adopted?.isOnBizApp) journey.isCoexistence = true;
  if (journey.isCoexistence || adopted?.status === 'CONNECTED') {
    journey.registered = adopted?.status === 'CONNECTED';
    await waitForCapacity(journey, true); // Meta counts it already: it takes its slot at once
  } else if (!(await beforeSignupDeadline(journey, () => registerInTime(journey, adopted))) && !journey.registered) {
    // (A register in flight when the window closed is waited for: if it took, the window no longer matters.)
    throw end(
      'SIGNUP_EXPIRED',
      'SIGNUP_WINDOW_CLOSED',
      'the 14-day Embedded Signup window closed before the number was registered',
      'Run Embedded Signup again for this number, then start a new journey.',
    );
  }
  if (journey.isCoexistence) await confirmCoexistence(journey, adopted ?? missingAdoption());
  else await awaitConnected(journey);
  await reviewDisplayName(journey, adopted !== null);
  if (journey.input.identityCheck) await enableIdentityCheck(journey);
}

async function registerInTime(journey: Journey, adopted: PresentNumber | null): Promise<void> {
  await waitForCapacity(journey);
  if (!adopted) await addNumber(journey);
  await verifyAndRegister(journey, adopted?.codeVerificationStatus === 'VERIFIED');
}

function cancelled(journey: Journey): JourneyEnd {
  const request = journey.cancelRequest;
  return end(
    'CANCELLED',
    request ? 'CANCELLED_BY_OPERATOR' : 'CANCELLED_THROUGH_TEMPORAL',
    request
      ? `cancelled by ${request.actor}${request.reason ? `: ${request.reason}` : ''}`
      : 'the workflow was cancelled through Temporal (no actor or reason recorded: prefer the cancel signal)',
    'Start a new journey to onboard the number again.',
    { actor: request?.actor ?? null },
  );
}

function missingAdoption(): never {
  // The edge refuses a coexistence journey without a phone_number_id; this only guards the invariant.
  throw end(
    'FAILED',
    'COEXISTENCE_WITHOUT_ID',
    'a coexistence number needs its phone_number_id',
    'Start the journey with the phone_number_id from Embedded Signup.',
  );
}
