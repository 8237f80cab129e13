// Stage 7: PENDING until CONNECTED. Meta's ONBOARDING quality webhook wakes the journey; polling with
// backoff is the safety net for a webhook that never comes.
import { condition } from '@temporalio/workflow';
import { journeyPolicy } from '../../domain/policy.js';
import { end, failedByMeta } from './ending.js';
import type { Journey } from './journey.js';
import { readNumber } from './activity-proxies.js';
import { callMeta } from './call-meta.js';
import { LIMITED_WORDS, limitedAndRegistered } from './limited.js';

/** Registered and in effect: CONNECTED, or (limited.ts's patch) limited by Meta, which no wait mends. */
function connected(journey: Journey): boolean {
  const { status } = journey.state;
  return status === 'CONNECTED' || limitedAndRegistered(status);
}

export async function awaitConnected(journey: Journey): Promise<void> {
  if (connected(journey)) return;
  const giveUpAt = Date.now() + journeyPolicy.connectTimeoutMs;
  // Until when it waits: the journey gives up then (a read's own waits for Meta replace the wait; it is said again).
  const pending = {
    for: 'meta' as const,
    reason: 'Meta shows the number PENDING until the registration takes effect',
    until: new Date(giveUpAt).toISOString(),
  };
  journey.enter('AWAITING_CONNECTED', pending);
  const { registrationTook } = journey.inbox;
  let delay: number = journeyPolicy.firstPollMs;
  for (;;) {
    await condition(
      () => journey.state.status === 'CONNECTED' || registrationTook.busy,
      Math.max(0, Math.min(delay, giveUpAt - Date.now())),
    );
    registrationTook.take();
    if (journey.state.status === 'CONNECTED') return;
    try {
      const snapshot = await callMeta(journey, () => readNumber(journey.ref));
      journey.seenAtMeta(snapshot.gone ? 'DELETED' : snapshot.status);
    } catch (err) {
      throw failedByMeta(err, 'Reading the number status');
    }
    if (connected(journey)) {
      if (journey.state.status !== 'CONNECTED')
        journey.note('meta', `shows the number ${journey.state.status}: ${LIMITED_WORDS}`);
      return;
    }
    journey.resumeWaiting(pending);
    if (Date.now() >= giveUpAt) {
      throw end('STAYS_PENDING', {
        status: journey.state.status ?? 'PENDING',
        days: Math.round(journeyPolicy.connectTimeoutMs / 86_400_000),
      });
    }
    delay = Math.min(delay * 2, journeyPolicy.maxPollMs);
  }
}
