// A workflow that continues as new from an update's handler, after holding its task for a while: a signal arriving
// meanwhile makes Temporal refuse that task's completion (a new event the continue-as-new did not see), and the
// update the task carried is aborted, not taken.
import { condition, continueAsNew, defineSignal, defineUpdate, setHandler, workflowInfo } from '@temporalio/workflow';

export const noiseSignal = defineSignal<[]>('noise');
export const pingUpdate = defineUpdate<string, [{ holdMs: number }]>('ping');

export async function continuingAsNew(): Promise<void> {
  let done = false;
  setHandler(noiseSignal, () => undefined);
  setHandler(pingUpdate, ({ holdMs }) => {
    // Real time: the task is held so that a signal lands while it runs (the first run's only).
    const until = workflowInfo().unsafe.now() + holdMs;
    while (holdMs > 0 && workflowInfo().unsafe.now() < until);
    done = holdMs > 0;
    return `pong from run ${workflowInfo().runId}`;
  });
  await condition(() => done);
  await continueAsNew<typeof continuingAsNew>();
}
