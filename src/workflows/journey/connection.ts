// Stage 7: PENDING until CONNECTED. Meta's ONBOARDING quality webhook wakes the journey; polling with
// backoff is the safety net for a webhook that never comes.
import { condition } from '@temporalio/workflow';
import { journeyPolicy } from '../../domain/policy.js';
import { end, failedByMeta } from './ending.js';
import { callMeta, graph } from './meta.js';
import type { Journey } from './state.js';

export async function awaitConnected(journey: Journey): Promise<void> {
  if (journey.status === 'CONNECTED') return;
  journey.enter('AWAITING_CONNECTED', {
    for: 'meta',
    reason: 'Meta shows the number PENDING until the registration takes effect',
    until: null,
  });
  const giveUpAt = Date.now() + journeyPolicy.connectTimeoutMs;
  let delay: number = journeyPolicy.firstPollMs;
  for (;;) {
    journey.pollNow = false;
    await condition(
      () => journey.status === 'CONNECTED' || journey.pollNow,
      Math.max(0, Math.min(delay, giveUpAt - Date.now())),
    );
    if (journey.status === 'CONNECTED') return;
    try {
      const snapshot = await callMeta(journey, () => graph.readNumber(journey.ref));
      journey.status = snapshot.gone ? 'DELETED' : snapshot.status;
    } catch (err) {
      throw failedByMeta(err, 'Reading the number status');
    }
    if (journey.status === 'CONNECTED') return;
    if (Date.now() >= giveUpAt) {
      throw end(
        'FAILED',
        'STAYS_PENDING',
        `the number stayed ${journey.status ?? 'PENDING'} for ${Math.round(journeyPolicy.connectTimeoutMs / 86_400_000)} days after registration`,
        'OTP verification completed but Cloud API registration did not take: register the number again with its 6-digit PIN (POST /<PHONE_NUMBER_ID>/register); if it was deleted and re-added, its previous two-step PIN may be required.',
      );
    }
    delay = Math.min(delay * 2, journeyPolicy.maxPollMs);
  }
}
