// Graph calls from the journey: activity proxies named by what they may repeat, and the durable waits for rate
// limits and outages. Waits of hours or days are workflow timers, never retries.
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import {
  GRAPH_FAILURE_TYPE,
  STORE_KEY_FAILURE_TYPE,
  TOKEN_REFUSED_CODES,
  TOKEN_STORE_UNAVAILABLE_TYPE,
  TOKEN_UNAVAILABLE_TYPES,
  UNREACHED_TYPES,
  type CapRefusalDetail,
  type MetaError,
} from '../../domain/meta-error.js';
import { journeyPolicy } from '../../domain/policy.js';
import { WABA_ELSEWHERE_TYPE, type SlotAnswer, type SlotRequest, type WabaElsewhere } from '../../domain/portfolio.js';
import type { Journey } from './journey.js';
import { STORE_KEY_RECHECK_PATCH, TOKEN_WAIT_PATCH } from './patches.js';

// An attempt must outlast its HTTP calls (connect 5 s + answer 15 s + body 15 s each, two calls at most), or
// Temporal would start a retry while the first call still runs. Activities heartbeat while they wait on Graph,
// so a worker that died is noticed in seconds, not at the end of the attempt.
const GRAPH_ATTEMPT = { startToCloseTimeout: '2m', heartbeatTimeout: '15s' } as const;

/** Reads and idempotent writes: a few quick retries on transient errors. */
const READ_RETRY = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 6 } as const;
export const { readNumber, addPhoneNumber, enableIdentityCheck } = proxyActivities<Activities>({
  ...GRAPH_ATTEMPT,
  retry: READ_RETRY,
});

/** Writes Meta cannot undo or repeat harmlessly: one guarded retry, which first reads what Meta shows. */
const GUARDED_RETRY = { initialInterval: '3s', maximumAttempts: 2 } as const;
export const { verifyCode, requestDisplayNameChange, syncSmbAppData } = proxyActivities<Activities>({
  ...GRAPH_ATTEMPT,
  retry: GUARDED_RETRY,
});

/**
 * How long the task holds the verify call: a task held open cannot answer the journey's queries or take its cancel.
 * Meta answers in well under a second; a slower call is left to an activity (below), well before the task's
 * heartbeat (8 s of Temporal's default 10 s task timeout).
 */
const IN_TASK_VERIFY_BUDGET = '3s';
const { verifyCode: verifyCodeInTask } = proxyLocalActivities<Activities>({
  startToCloseTimeout: IN_TASK_VERIFY_BUDGET,
  retry: { maximumAttempts: 1 },
});

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
 * inside the task, held IN_TASK_VERIFY_BUDGET at most: the code may have reached Meta when the activity takes over.
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
 * One call per attempt, never retried by Temporal: register and deregister count toward Meta's 10 per 72 h, and a
 * second request_code voids the code already delivered. The journey repeats them itself, guarded and counted.
 */
export const { registerNumber, deregisterNumber, requestCode } = proxyActivities<Activities>({
  ...GRAPH_ATTEMPT,
  retry: { maximumAttempts: 1 },
});

/** Quick work inside the worker, recorded once in history (a retried register never meets another PIN). */
export const { generatePin } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s' });

/** Talks to our own Temporal cluster (the portfolio, the run itself), not to Meta: retried until it works. */
const CLUSTER_CALL = { startToCloseTimeout: '1m', retry: { initialInterval: '1s', maximumInterval: '30s' } } as const;
export const { requestSlot, cancelRun } = proxyActivities<Activities>(CLUSTER_CALL);

const { askForSlot } = proxyLocalActivities<Activities>(CLUSTER_CALL);
/** The add as a local activity: one attempt is as long as the activity's. */
const LOCAL_ADD = { startToCloseTimeout: GRAPH_ATTEMPT.startToCloseTimeout } as const;
const localAddPhoneNumber = proxyLocalActivities<Activities>({ ...LOCAL_ADD, retry: READ_RETRY }).addPhoneNumber;

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

/**
 * The add's one attempt inside the task (FEWER_WRITES_PATCH): the whole call, bounded by the Graph client's own
 * timeouts, so that no add of ours is still being sent when the activity takes over (one Meta takes late meets the
 * repeat's 200000, which finds the number). Unlike the verify's, its hold is not cut short: no person waits on an
 * answer at ADDING, and the local add before the patch held the task longer, through its retries.
 */
const addInTask = proxyLocalActivities<Activities>({ ...LOCAL_ADD, retry: { maximumAttempts: 1 } }).addPhoneNumber;

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

/** Reads our own cluster for the PIN an earlier journey set: a few tries, then the journey asks an operator. */
export const { rememberedPin } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumAttempts: 3 },
});

/**
 * What a call's failure says: an activity's comes as an ActivityFailure around its cause, a local activity's as the
 * cause itself (ApplicationFailure, TimeoutFailure). Null for anything else (the workflow's own errors).
 */
function callFailure(err: unknown): ApplicationFailure | TimeoutFailure | { other: unknown } | null {
  if (err instanceof ActivityFailure) {
    const cause = err.cause;
    return cause instanceof ApplicationFailure || cause instanceof TimeoutFailure ? cause : { other: cause };
  }
  return err instanceof ApplicationFailure || err instanceof TimeoutFailure ? err : null;
}

function applicationFailureOf(err: unknown): ApplicationFailure | null {
  const failure = callFailure(err);
  return failure instanceof ApplicationFailure ? failure : null;
}

/** What an activity failure of `type` carries as its first detail; null for a failure of another type. */
function firstDetailOf<T>(err: unknown, type: string): T | null {
  const failure = applicationFailureOf(err);
  if (failure?.type !== type) return null;
  return (failure.details?.[0] as T | undefined) ?? null;
}

/** The Meta error behind an activity failure, when it was one. */
export function metaErrorOf(err: unknown): MetaError | null {
  return firstDetailOf<MetaError>(err, GRAPH_FAILURE_TYPE);
}

/** The slot request's WABA belongs to another portfolio at Meta (the activity's owner check). */
export function wabaElsewhereOf(err: unknown): WabaElsewhere | null {
  return firstDetailOf<WabaElsewhere>(err, WABA_ELSEWHERE_TYPE);
}

/** Meta refused the add at the portfolio's cap (200000): the numbers it holds registered, as the activity counted. */
export function capRefusalOf(err: unknown): number | null {
  if (!isMetaError(err, 200000)) return null;
  const detail = applicationFailureOf(err)?.details?.[1] as Partial<CapRefusalDetail> | undefined;
  return typeof detail?.registeredNumbers === 'number' ? detail.registeredNumbers : null;
}

export function isMetaError(err: unknown, ...codes: number[]): boolean {
  const meta = metaErrorOf(err);
  return meta !== null && codes.includes(meta.code);
}

/** The attempt timed out (a worker died, or Graph hung): the call may have reached Meta. */
export function timedOut(err: unknown): boolean {
  return callFailure(err) instanceof TimeoutFailure;
}

export interface CallOptions {
  /**
   * Told before a durable wait begins (to answer a person who should not wait days for a reply): until when, and why
   * (Meta's error, or that Meta did not answer).
   */
  onWait?: (until: string, why: string) => void;
  /**
   * A token problem fails the call instead of waiting for a person to store a token (a call the caller can do
   * without); a function is asked only when one occurs (a patch decided there).
   */
  noTokenWait?: boolean | (() => boolean);
  /**
   * Asked before a wait for Meta (an outage, a rate limit) of `waitMs`: true fails the call instead, for a caller
   * that has something better to do than wait (a patch decided there).
   */
  noMetaWait?: (waitMs: number) => boolean;
  /** What a person may do during a wait for Meta that makes the call needless (a removal's deletion). */
  duringWait?: DuringWait;
}

/**
 * Asked during a wait for Meta: once `ready` holds, `handle` runs; true ends the call (it throws WaitEnded), false
 * waits on until the wait's end. `ready` is asked only in the wait (a patch may decide there).
 */
export interface DuringWait {
  ready: () => boolean;
  handle: () => Promise<boolean>;
}

/** A call given up during its wait for Meta, as `CallOptions.duringWait` asked. */
export class WaitEnded extends Error {
  override readonly name = 'WaitEnded';
}

/** Sleeps until `ends` (one timer, as a plain sleep), handing what `during` is ready for as it comes. */
async function waitOut(ends: number, during: DuringWait | undefined, announce: () => void): Promise<void> {
  if (!during) return sleep(ends - Date.now());
  for (let left = ends - Date.now(); left > 0; left = ends - Date.now()) {
    if (!(await condition(during.ready, left))) return;
    if (await during.handle()) throw new WaitEnded();
    announce(); // the wait again, as it was
  }
}

/** About a day of store-key rechecks (5, 10, 20, 40 minutes, then hourly), after which they slow down. */
const STORE_KEY_RECHECKS_A_DAY = 27;

/**
 * Runs a Graph call; on a rate limit (133016: 72 h, 133015: minutes, 4/80007: the header's wait) or an outage
 * that outlasted the activity's retries, waits durably and calls again — a bounded number of times, one call per
 * wait. `call` is told whether it repeats an earlier call, so a guarded activity reads Meta first.
 * A token Meta refuses (190) or numberflow has not got puts the journey in the hands of a person until a new token
 * is stored for the WABA (signal tokenRenewed), then the call is made again; Meta did nothing with the refused one.
 * Permanent errors go back to the caller, which knows what they mean at its stage.
 */
export async function callMeta<T>(
  journey: Journey,
  call: (repeat: boolean) => Promise<T>,
  options: CallOptions = {},
): Promise<T> {
  let waits = 0;
  let waitedForToken = false;
  let keyRechecks = 0;
  let keyRecheckPending = false; // only ever true in runs that took STORE_KEY_RECHECK_PATCH
  for (;;) {
    const renewals = journey.tokenRenewalsSoFar; // a token stored while the call runs is a new one to try
    try {
      const value = await call(waits > 0);
      // A store key put back ends a token wait by the call alone (runs from before reach here with none standing).
      if (keyRecheckPending) journey.tokenArrived();
      else if (waits > 0 || waitedForToken) journey.stopWaiting();
      journey.metaAnswered(null); // an error Meta answered before no longer stands
      return value;
    } catch (err) {
      if (isCancellation(err)) throw err; // a cancelled journey is not an outage
      const meta = metaErrorOf(err);
      if (meta) journey.metaAnswered(meta);
      const tokenProblem = unusableToken(err, meta);
      const { noTokenWait } = options;
      if (tokenProblem !== null && (typeof noTokenWait === 'function' ? noTokenWait() : noTokenWait)) throw err;
      if (tokenProblem !== null && patched(TOKEN_WAIT_PATCH)) {
        journey.publishStage();
        const keyMissing = applicationFailureOf(err)?.type === STORE_KEY_FAILURE_TYPE;
        journey.awaitToken(tokenProblem, keyMissing, keyRecheckPending);
        waitedForToken = true;
        if (keyMissing && patched(STORE_KEY_RECHECK_PATCH)) {
          // A timer's length is not compared on replay: the pace may change between versions.
          const { firstStoreKeyRecheckMs, storeKeyRecheckMs, storeKeyRecheckLaterMs } = journeyPolicy;
          const atMost = keyRechecks >= STORE_KEY_RECHECKS_A_DAY ? storeKeyRecheckLaterMs : storeKeyRecheckMs;
          const recheckMs = Math.min(atMost, firstStoreKeyRecheckMs * 2 ** keyRechecks++);
          // No new token in time: the call again, the wait standing as far as anyone can see until it passes.
          if (!(await condition(() => journey.tokenRenewalsSoFar > renewals, recheckMs))) {
            keyRecheckPending = true;
            continue;
          }
        } else await condition(() => journey.tokenRenewalsSoFar > renewals);
        keyRecheckPending = false;
        journey.tokenArrived();
        continue;
      }
      // A recheck's call that failed otherwise (the key back, Meta refusing for another reason): the token wait is
      // over, whatever comes next (only runs that took the recheck's patch get here with one standing).
      if (keyRecheckPending) {
        keyRecheckPending = false;
        journey.tokenArrived();
      }
      const wait = waitAfter(err, meta, waits);
      if (wait === null || waits >= journeyPolicy.maxMetaWaits || options.noMetaWait?.(wait)) throw err;
      const storeAway = applicationFailureOf(err)?.type === TOKEN_STORE_UNAVAILABLE_TYPE;
      const why = meta
        ? `Meta error ${meta.code} (${meta.message})`
        : storeAway
          ? "numberflow's token store did not answer (nothing was sent to Meta)"
          : 'Meta did not answer';
      journey.publishStage();
      const ends = Date.now() + wait;
      const announce = () => journey.waitFor('meta', `${why}: numberflow waits, then calls again`, ends);
      announce();
      options.onWait?.(new Date(ends).toISOString(), why);
      await waitOut(ends, options.duringWait, announce);
      // The wait is over: while the call is made again (and retried), no deadline past is shown (state only).
      journey.waitFor('meta', `${why}: numberflow calls again now`);
      waits++;
    }
  }
}

/** Why the WABA's token cannot be used (Meta refused it, or numberflow has none it can open); null otherwise. */
function unusableToken(err: unknown, meta: MetaError | null): string | null {
  if (meta) return TOKEN_REFUSED_CODES.includes(meta.code) ? `Meta error ${meta.code}: ${meta.message}` : null;
  const failure = applicationFailureOf(err);
  if (!failure) return null;
  return TOKEN_UNAVAILABLE_TYPES.includes(failure.type ?? '') ? failure.message : null;
}

/** Whether a call's failure may go away with time (Meta's transient errors, its rate limits, Graph unreachable). */
export function passesWithTime(err: unknown): boolean {
  return waitAfter(err, metaErrorOf(err), 0) !== null;
}

/** How long to wait before calling again; null when waiting cannot help. */
function waitAfter(err: unknown, meta: MetaError | null, waits: number): number | null {
  if (meta?.errorClass === 'rate_limited') return meta.retryAfterMs ?? journeyPolicy.outageWaitMs;
  // Transient: soon at first (a blip), then at the outage pace.
  const outage = Math.min(journeyPolicy.outageWaitMs, journeyPolicy.firstOutageWaitMs * 4 ** waits);
  if (meta?.errorClass === 'transient') return outage;
  // Graph unreachable, or the activity itself timed out or crashed (no Meta answer): an outage.
  const failure = callFailure(err);
  if (!meta && failure) {
    // The token store away is as Graph away: nothing reached Meta (no history before had its type).
    if (!(failure instanceof ApplicationFailure) || UNREACHED_TYPES.includes(failure.type ?? '')) return outage;
  }
  return null;
}
