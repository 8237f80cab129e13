// The benchmark's worker runs the real workflows and baselines: the least a workflow can do with the same
// messages (an update answered at once, a signal, no-op activities).
import {
  condition,
  defineSignal,
  defineUpdate,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';

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

type BaselineActivities = { baselineActivity(): Promise<void> };
const { baselineActivity } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '10s' });
const { baselineActivity: baselineLocalActivity } = proxyLocalActivities<BaselineActivities>({
  startToCloseTimeout: '10s',
});

/** An activity call as the journey makes it: an activity of its own, or a local activity inside a workflow task. */
export type CallKind = 'activity' | 'local';

async function noOps(calls: readonly CallKind[]): Promise<void> {
  for (const kind of calls) await (kind === 'local' ? baselineLocalActivity() : baselineActivity());
}

export interface IdealJourneyShape {
  /** The no-op calls before the update, and after it, in the journey's order and of its kinds. */
  before: CallKind[];
  after: CallKind[];
  /** Signals it waits for after the update. */
  signals: number;
}

/**
 * The ideal workflow of a happy journey: the same activity calls as the real one makes (activities and local
 * activities, no-ops), the code's update in the same place, then the same count of signals (Meta's webhooks), and
 * done.
 */
export async function idealJourney(shape: IdealJourneyShape): Promise<void> {
  let stage: 'starting' | 'awaiting' | 'answered' = 'starting';
  let signals = 0;
  setHandler(
    baselineUpdate,
    (n) => {
      stage = 'answered';
      return n;
    },
    {
      validator: (_n: number) => {
        if (stage !== 'awaiting') throw new Error('not awaiting');
      },
    },
  );
  setHandler(baselineSignal, () => void (signals += 1));
  await noOps(shape.before);
  stage = 'awaiting';
  await condition(() => stage === 'answered');
  await noOps(shape.after);
  await condition(() => signals >= shape.signals);
}

/** An update that runs one no-op activity, taken until told to stop: the baseline of an operator's code. */
export async function bareOtpEntity(): Promise<void> {
  let done = false;
  setHandler(baselineUpdate, async (n) => {
    await baselineActivity();
    return n;
  });
  setHandler(baselineDone, () => void (done = true));
  await condition(() => done);
}
