// The calls a run makes inside its workflow task first (local activities) or as activities, as its patches decide:
// the verify, the add and the first slot request.
import { ApplicationFailure, isCancellation, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { SlotAnswer, SlotRequest } from '../../domain/portfolio.js';
import {
  addPhoneNumber,
  CLUSTER_CALL,
  GRAPH_ATTEMPT,
  READ_RETRY,
  requestSlot,
  verifyCode,
} from './activity-proxies.js';
import { callFailure } from './failures.js';
import type { Journey } from './journey.js';

/**
 * How long the task holds the verify call: a task held open cannot answer the journey's queries or take its cancel.
 * Meta answers in well under a second; a slower call is left to an activity, well before the task's heartbeat (8 s of
 * Temporal's default 10 s task timeout).
 */
const IN_TASK_VERIFY_BUDGET = '3s';
const { verifyCode: verifyCodeInTask } = proxyLocalActivities<Activities>({
  startToCloseTimeout: IN_TASK_VERIFY_BUDGET,
  retry: { maximumAttempts: 1 },
});

const { askForSlot } = proxyLocalActivities<Activities>(CLUSTER_CALL);
/** The add as a local activity: one attempt is as long as the activity's. */
const LOCAL_ADD = { startToCloseTimeout: GRAPH_ATTEMPT.startToCloseTimeout } as const;
const localAddPhoneNumber = proxyLocalActivities<Activities>({ ...LOCAL_ADD, retry: READ_RETRY }).addPhoneNumber;

/**
 * The add's one attempt inside the task (FEWER_WRITES_PATCH): the whole call, bounded by the Graph client's own
 * timeouts, so that no add of ours is still being sent when the activity takes over (one Meta takes late meets the
 * repeat's 200000, which finds the number). Unlike the verify's, its hold is not cut short: no person waits on an
 * answer at ADDING, and the local add before the patch held the task longer, through its retries.
 */
const addInTask = proxyLocalActivities<Activities>({ ...LOCAL_ADD, retry: { maximumAttempts: 1 } }).addPhoneNumber;

/**
 * A call made first inside the task (a local activity, one attempt). When it failed in a way a retry may mend (out
 * of time, Graph unreachable, Meta's transient errors), the journey writes its brief stage to visibility, which the
 * task no longer hides, and the activity takes over with its retries, as a repeated call that reads Meta first. What
 * no retry mends (a wrong code, a rate limit the journey waits out) goes back to the caller.
 */
async function inTaskFirst<T>(journey: Journey, local: () => Promise<T>, activity: () => Promise<T>): Promise<T> {
  try {
    return await local();
  } catch (err) {
    const failure = callFailure(err);
    if (isCancellation(err) || !failure || (failure instanceof ApplicationFailure && failure.nonRetryable)) throw err;
  }
  journey.publishStage();
  return activity();
}

/**
 * The verify call as this run makes it. From VERIFY_IN_TASK_PATCH (or FEWER_WRITES_PATCH) on, a first call is made
 * inside the task, held IN_TASK_VERIFY_BUDGET at most: the code may have reached Meta when the
 * activity takes over.
 * `readFirst`: the task's own call reads Meta first too (the code may have been sent by a task that died).
 */
export async function verifyTheCode(
  journey: Journey,
  ref: Parameters<typeof verifyCode>[0],
  submission: Parameters<typeof verifyCode>[1],
  options: NonNullable<Parameters<typeof verifyCode>[2]> = {},
  readFirst = false,
): ReturnType<typeof verifyCode> {
  if (journey.verifiesInTask && !options.repeat) {
    return inTaskFirst(
      journey,
      () => verifyCodeInTask(ref, submission, readFirst ? { ...options, readFirst } : options),
      () => verifyCode(ref, submission, { ...options, repeat: true }),
    );
  }
  return verifyCode(ref, submission, options);
}

/**
 * The first slot request: from FEWER_EVENTS_PATCH on by update (the answer, or null when it comes by signal);
 * before, by signal. A repeat after a day of silence stays an activity by signal: it is rare, and it may find the
 * portfolio gone and start it again.
 */
export async function firstSlotRequest(
  journey: Journey,
  input: { portfolioId: string; request: SlotRequest },
): Promise<SlotAnswer | null> {
  if (journey.makesFewerEvents()) {
    const answer = await askForSlot(input);
    if (!answer || !('ownerUnread' in answer)) return answer;
    // The WABA's owner could not be read in the task: the activity reads it with retries before asking.
  }
  await requestSlot(input);
  return null;
}

type AddRequest = Parameters<Activities['addPhoneNumber']>[0];

/**
 * The add as this run makes it, told whether it repeats an earlier call (callMeta's): from FEWER_WRITES_PATCH on, a
 * first call inside the task, then the activity as a repeated add, which looks for the number on the WABA first
 * (while Meta fails, visibility shows ADDING, not the slot's wait); from FEWER_EVENTS_PATCH on, a local activity
 * with the activity's retries; before, the activity. Runs from before the patch call with the request alone.
 */
export function numberAdd(
  journey: Journey,
): (request: AddRequest, repeat: boolean) => ReturnType<Activities['addPhoneNumber']> {
  if (journey.fewerWrites) {
    return (request, repeat) => {
      const repeated = () => addPhoneNumber(request, { repeat: true });
      return repeat ? repeated() : inTaskFirst(journey, () => addInTask(request), repeated);
    };
  }
  const add = journey.makesFewerEvents() ? localAddPhoneNumber : addPhoneNumber;
  return (request) => add(request);
}
