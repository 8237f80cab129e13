// The 14-day Embedded Signup window races stages 1–6 as a durable timer from the signup time.
import { CancellationScope, sleep } from '@temporalio/workflow';
import type { Journey } from './state.js';

/** Runs `work` unless the window closes first: false when it closed (and `work` was cancelled). */
export async function beforeSignupDeadline(journey: Journey, work: () => Promise<void>): Promise<boolean> {
  const remaining = journey.msUntilSignupExpiry();
  if (remaining <= 0) return false;
  const timerScope = new CancellationScope();
  const workScope = new CancellationScope();
  const expired = timerScope.run(() => sleep(remaining)).then(() => 'expired' as const);
  const finished = workScope.run(work).then(() => 'finished' as const);
  expired.catch(() => undefined); // cancelled once the work is done: not an error
  try {
    if ((await Promise.race([expired, finished])) === 'finished') return true;
    workScope.cancel();
    await finished.catch(() => undefined);
    return false;
  } finally {
    timerScope.cancel(); // once registered the window never fires
  }
}
