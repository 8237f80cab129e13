// Stage 2: the number at Meta — added by numberflow, or adopted by its phone_number_id and read as it stands.
import { patched } from '@temporalio/workflow';
import {
  approvedAtMeta,
  countedByMeta,
  e164OfDisplay,
  limitedAtMeta,
  type PresentNumber,
} from '../../domain/number.js';
import { journeyPolicy } from '../../domain/policy.js';
import { capRefusalDated, requeueAtCap } from './capacity.js';
import { askForGivenName } from './display-name.js';
import { LIMITED_WORDS, limitedAndRegistered } from './limited.js';
import { end, failedByMeta } from './ending.js';
import type { Journey } from './journey.js';
import { readNumber } from './activity-proxies.js';
import { callMeta } from './call-meta.js';
import { capRefusalOf, metaErrorOf, wabaElsewhereOf } from './failures.js';
import { numberAdd } from './in-task-calls.js';
import { ADOPTED_NAME_PATCH, CAP_REFUSAL_PATCH, GIVEN_NAME_PATCH, LAST_CAP_REFUSAL_PATCH } from './patches.js';

/** Adds the number; answers whether Meta shows its code verified already (a number already on the WABA). */
export async function addNumber(journey: Journey): Promise<boolean> {
  journey.enterBriefly('ADDING'); // added inside the task that got the slot, in most runs
  const { wabaId, phoneNumber, displayName } = journey.input;
  const addPhoneNumber = numberAdd(journey);
  for (let requeues = 0; ; requeues++) {
    // Decided before the add, never after it: the add is a local activity, which replay resolves from its marker as
    // soon as it is scheduled, so a patch decided after a long add (one that spanned workflow-task heartbeats) would
    // be asked in replay before the task that recorded its marker (a nondeterminism error, seen under load).
    const tellsTheLastRefusal = requeues >= journeyPolicy.maxCapRequeues && patched(LAST_CAP_REFUSAL_PATCH);
    try {
      const request = { wabaId, phoneNumber, verifiedName: displayName, readsCodeStatus: true };
      journey.nameSent();
      const added = await callMeta(journey, (repeat) => addPhoneNumber(request, repeat));
      journey.assignPhoneNumberId(added.phoneNumberId);
      // Verified, and not registered (a registered number — PENDING on the Cloud API too: registered, not yet in
      // effect — is adopted where Meta stands, not registered again; a reset run meets its own). An answer from
      // before the fields (a run's own, or a worker's that did not read them) carries none.
      const { codeVerificationStatus, status, platformType } = added;
      const registered =
        typeof status !== 'string' || countedByMeta(status) || (status === 'PENDING' && platformType === 'CLOUD_API');
      const codeVerified = added.alreadyAdded && codeVerificationStatus === 'VERIFIED' && !registered;
      if (added.alreadyAdded) {
        journey.foundOnWaba = true;
        journey.note(
          'numberflow',
          codeVerified
            ? 'the number was already on the WABA, its code verified at Meta (a verification lasts 14 days): its phone_number_id is reused, and no code is asked for'
            : 'the number was already on the WABA; its phone_number_id is reused',
        );
      }
      return codeVerified;
    } catch (err) {
      // Meta holds the portfolio's cap already: the portfolio believed in a higher one. The slot goes back, the
      // portfolio lowers its cap to what Meta holds, and the journey waits at the head of its queue.
      const registered = capRefusalOf(err);
      const meta = metaErrorOf(err);
      if (registered !== null && meta && requeues >= journeyPolicy.maxCapRequeues) {
        // The same end as before, said as what it is: the portfolio's cap in numberflow is above Meta's. The
        // portfolio lowers its cap as at the refusals before, told with the slot's release.
        if (tellsTheLastRefusal) {
          journey.lastCapRefusal = registered;
          journey.lastCapRefusalAt = capRefusalDated();
        }
        throw end(
          'CAP_REFUSED_AGAIN',
          { refusals: requeues + 1, registered, meta },
          { metaError: meta, code: `META_${meta.code}` },
        );
      }
      if (registered === null || requeues >= journeyPolicy.maxCapRequeues || !patched(CAP_REFUSAL_PATCH)) {
        throw failedByMeta(err, 'Adding the number');
      }
      await requeueAtCap(journey, registered, capRefusalDated());
      journey.enterBriefly('ADDING');
    }
  }
}

export async function adoptNumber(journey: Journey): Promise<PresentNumber> {
  journey.enter('ADDING', { for: 'meta', reason: "reading the number's state at Meta", until: null });
  let snapshot;
  try {
    // The activity reads the WABA's owner first: a journey of another portfolio reads nothing of the number (a start
    // takes the ids as given). Runs before sent no portfolio, and none met the refusal: they replay as they ran.
    const { portfolioId } = journey.input;
    snapshot = await callMeta(journey, () => readNumber({ ...journey.ref, adoptedIn: portfolioId }));
  } catch (err) {
    const elsewhere = wabaElsewhereOf(err);
    if (elsewhere) throw end('WABA_IN_ANOTHER_PORTFOLIO', elsewhere);
    throw failedByMeta(err, "Reading the adopted number (its WABA's owner first)");
  }
  if (snapshot.gone) throw end('STALE_PHONE_NUMBER_ID', { phoneNumberId: journey.ref.phoneNumberId });
  // Another number's id would have this journey register, rename and remove that number. Reads recorded before
  // the field was asked for carry none, and replay as they ran.
  const atMeta = snapshot.displayPhoneNumber;
  const { e164 } = journey.input.phoneNumber;
  if (atMeta && e164OfDisplay(atMeta) !== e164) {
    throw end('PHONE_NUMBER_ID_MISMATCH', { phoneNumberId: journey.ref.phoneNumberId, e164 });
  }
  const metaName = snapshot.verifiedName;
  const given = journey.state.displayName.current;
  if (metaName && metaName !== given && patched(ADOPTED_NAME_PATCH)) {
    // Only a number not registered yet (Embedded Signup's): one registered before the journey would have to register
    // again to apply a change, with a PIN numberflow never set.
    const registered = snapshot.status === 'CONNECTED' || snapshot.isOnBizApp || limitedAtMeta(snapshot.status);
    const replaced =
      journey.input.replacesMetaName === true &&
      !approvedAtMeta(snapshot.nameStatus) &&
      !registered &&
      patched(GIVEN_NAME_PATCH);
    journey.nameAtMeta(metaName, { replaced });
    if (replaced) await askForGivenName(journey, given);
  }
  journey.seenAtMeta(snapshot.status, journey.state.coexistence || snapshot.isOnBizApp);
  if (snapshot.status === 'CONNECTED' || snapshot.isOnBizApp) journey.registeredAtMeta(snapshot.status);
  else if (limitedAndRegistered(snapshot.status)) {
    journey.registeredAtMeta(snapshot.status);
    journey.note('meta', `shows the number ${snapshot.status}: ${LIMITED_WORDS}`);
  }
  return snapshot;
}
