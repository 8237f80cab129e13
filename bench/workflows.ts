// The benchmark's worker runs the real workflows and a baseline: the least a workflow can do with the same
// messages (an update answered at once, a signal, one activity).
import { condition, defineSignal, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

export * from '../src/workflows/index.js';

export const baselineUpdate = defineUpdate<number, [number]>('baselineUpdate');
export const baselineSignal = defineSignal<[number]>('baselineSignal');
export const baselineDone = defineSignal('baselineDone');

/** Answers updates and takes signals until told to stop: the baseline of the portfolio's admissions. */
export async function baselineEntity(): Promise<void> {
  let done = false;
  setHandler(baselineUpdate, (n) => n);
  setHandler(baselineSignal, () => undefined);
  setHandler(baselineDone, () => void (done = true));
  await condition(() => done);
}

const { baselineActivity } = proxyActivities<{ baselineActivity(): Promise<void> }>({ startToCloseTimeout: '10s' });

/** One activity and done: the baseline of a journey's round trip. */
export async function baselineRoundTrip(): Promise<void> {
  await baselineActivity();
}
