// Durable deadlines that race a piece of work: the 14-day Embedded Signup window (stages 1–6, from the signup time)
// and the 14 days to register again after a display-name approval.
import { CancellationScope, sleep } from '@temporalio/workflow';
import type { Journey } from './journey.js';

/** Runs `work` unless `remainingMs` pass first: false when the deadline came (and `work` was cancelled). */
export async function beforeDeadline(remainingMs: number, work: () => Promise<void>): Promise<boolean> {
  if (remainingMs <= 0) return false;
  const timerScope = new CancellationScope();
  const workScope = new CancellationScope();
  const expired = timerScope.run(() => sleep(remainingMs)).then(() => 'expired' as const);
  const finished = workScope.run(work).then(() => 'finished' as const);
  expired.catch(() => undefined); // cancelled once the work is done: not an error
  try {
    if ((await Promise.race([expired, finished])) === 'finished') return true;
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
