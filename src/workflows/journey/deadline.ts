// Durable deadlines that race a piece of work: the 14-day Embedded Signup window (stages 1–6, from the signup time)
// and the 14 days to register again after a display-name approval.
import { CancellationScope, patched, sleep } from '@temporalio/workflow';
import type { Journey } from './journey.js';
import { CANCEL_WAITS_FOR_WORK_PATCH } from './patches.js';

/** Runs `work` unless `remainingMs` pass first: false when the deadline came (and `work` was cancelled). */
export async function beforeDeadline(remainingMs: number, work: () => Promise<void>): Promise<boolean> {
  if (remainingMs <= 0) return false;
  const timerScope = new CancellationScope();
  const workScope = new CancellationScope();
  let timerCancelled = false;
  const expired = timerScope
    .run(() => sleep(remainingMs))
    .then(
      () => 'expired' as const,
      (err: unknown) => {
        timerCancelled = true;
        throw err;
      },
    );
  const finished = workScope.run(work).then(() => 'finished' as const);
  expired.catch(() => undefined); // cancelled once the work is done: not an error
  try {
    const first = await Promise.race([expired, finished]).catch(async (err: unknown) => {
      // The journey's cancel (before registration, whatever the stage: the marker is harmless where nothing was in
      // flight): the work hears it too, at its next wait; a call it has in flight is answered first. However the work
      // ends then, the journey ends as the operator was told: cancelled (the tidy-up reads Meta, whatever the call did).
      if (!timerCancelled || !patched(CANCEL_WAITS_FOR_WORK_PATCH)) throw err;
      return finished.catch(() => {
        throw err;
      });
    });
    if (first === 'finished') return true;
    workScope.cancel();
    await finished.catch(() => undefined);
    return false;
  } finally {
    timerScope.cancel(); // once done the deadline never fires
  }
}

export function beforeSignupDeadline(journey: Journey, work: () => Promise<void>): Promise<boolean> {
  return beforeDeadline(journey.msUntilSignupExpiry(), work);
}
