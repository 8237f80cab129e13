// Stage 2: the number at Meta — added by numberflow, or adopted by its phone_number_id and read as it stands.
import type { PresentNumber } from '../../domain/number.js';
import { end, failedByMeta } from './ending.js';
import type { Journey } from './journey.js';
import { addPhoneNumber, callMeta, readNumber } from './meta.js';

export async function addNumber(journey: Journey): Promise<void> {
  journey.enter('ADDING');
  const { wabaId, phoneNumber, displayName } = journey.input;
  try {
    const added = await callMeta(journey, () => addPhoneNumber({ wabaId, phoneNumber, verifiedName: displayName }));
    journey.assignPhoneNumberId(added.phoneNumberId);
    if (added.alreadyAdded)
      journey.note('numberflow', 'the number was already on the WABA; its phone_number_id is reused');
  } catch (err) {
    throw failedByMeta(err, 'Adding the number');
  }
}

export async function adoptNumber(journey: Journey): Promise<PresentNumber> {
  journey.enter('ADDING', { for: 'meta', reason: "reading the number's state at Meta", until: null });
  let snapshot;
  try {
    snapshot = await callMeta(journey, () => readNumber(journey.ref));
  } catch (err) {
    throw failedByMeta(err, 'Reading the adopted number');
  }
  if (snapshot.gone) throw end('STALE_PHONE_NUMBER_ID', { phoneNumberId: journey.ref.phoneNumberId });
  journey.seenAtMeta(snapshot.status, journey.state.coexistence || snapshot.isOnBizApp);
  if (snapshot.status === 'CONNECTED' || snapshot.isOnBizApp) journey.registeredAtMeta(snapshot.status);
  return snapshot;
}
