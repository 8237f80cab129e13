// The benchmark's worker runs the real workflows and baselines: the least a workflow can do with the same
// messages (an update answered at once, a signal, no-op activities).
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

async function noOps(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await baselineActivity();
}

export interface IdealJourneyShape {
  /** No-op activities before the update, and after it. */
  activitiesBefore: number;
  activitiesAfter: number;
  /** Signals it waits for after the update. */
  signals: number;
}

/**
 * The ideal workflow of a happy journey: as many no-op activities as the real one calls, the code's update in the
 * same place, then the same count of signals (Meta's webhooks), and done.
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
  await noOps(shape.activitiesBefore);
  stage = 'awaiting';
  await condition(() => stage === 'answered');
  await noOps(shape.activitiesAfter);
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
