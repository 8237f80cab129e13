// Stage 2: the number at Meta — added by numberflow, or adopted by its phone_number_id and read as it stands.
import type { PresentNumber } from '../../domain/number.js';
import { end, failedByMeta } from './ending.js';
import { callMeta, graph } from './meta.js';
import type { Journey } from './state.js';

export async function addNumber(journey: Journey): Promise<void> {
  journey.enter('ADDING');
  const { wabaId, phoneNumber, displayName } = journey.input;
  try {
    const added = await callMeta(journey, () =>
      graph.addPhoneNumber({ wabaId, phoneNumber, verifiedName: displayName }),
    );
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
    snapshot = await callMeta(journey, () => graph.readNumber(journey.ref));
  } catch (err) {
    throw failedByMeta(err, 'Reading the adopted number');
  }
  if (snapshot.gone) {
    throw end(
      'FAILED',
      'STALE_PHONE_NUMBER_ID',
      `Meta has no number with phone_number_id ${journey.phoneNumberId}`,
      'An old phone_number_id may still be in use (a number that was deleted and added again gets a new id): look the number up in WhatsApp Manager → Phone numbers and start the journey with its current id.',
    );
  }
  journey.status = snapshot.status;
  return snapshot;
}
