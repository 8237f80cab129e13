// A deliberately changed numberJourney: it waits on a timer before anything else, which recorded histories
// never did. Replaying a real history against it must fail, proving the replay check can catch a change.
import { sleep } from '@temporalio/workflow';

export async function numberJourney(): Promise<void> {
  await sleep('1 minute');
}
