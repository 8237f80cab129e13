// A Graph call made durable: the waits for rate limits and outages, and for a person to store a new token. Waits of
// hours or days are workflow timers, never retries.
import { condition, isCancellation, patched, sleep } from '@temporalio/workflow';
import { STORE_KEY_FAILURE_TYPE, TOKEN_STORE_UNAVAILABLE_TYPE, type MetaError } from '../../domain/meta-error.js';
import { journeyPolicy } from '../../domain/policy.js';
import { applicationFailureOf, metaErrorOf, unusableToken, waitAfter } from './failures.js';
import type { Journey } from './journey.js';
import { STORE_KEY_RECHECK_PATCH, TOKEN_WAIT_PATCH } from './patches.js';

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
  const token = new TokenWait(journey);
  for (;;) {
    const renewals = journey.tokenRenewalsSoFar; // a token stored while the call runs is a new one to try
    try {
      const value = await call(waits > 0);
      // A store key put back ends a token wait by the call alone (runs from before reach here with none standing).
      if (token.recheckPending) journey.tokenArrived();
      else if (waits > 0 || token.waited) journey.stopWaiting();
      journey.metaAnswered(null); // an error Meta answered before no longer stands
      return value;
    } catch (err) {
      if (isCancellation(err)) throw err; // a cancelled journey is not an outage
      const meta = metaErrorOf(err);
      if (meta) journey.metaAnswered(meta);
      const tokenProblem = unusableToken(err, meta);
      if (tokenProblem !== null && skipsTokenWait(options)) throw err;
      if (tokenProblem !== null && patched(TOKEN_WAIT_PATCH)) {
        token.over(await token.start(err, tokenProblem, renewals));
        continue;
      }
      token.overByAnotherFailure();
      const wait = waitAfter(err, meta, waits);
      if (wait === null || waits >= journeyPolicy.maxMetaWaits || options.noMetaWait?.(wait)) throw err;
      const why = whyWaiting(err, meta);
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

/** A token problem fails the call (CallOptions.noTokenWait); asked only when one occurs. */
function skipsTokenWait({ noTokenWait }: CallOptions): boolean | undefined {
  return typeof noTokenWait === 'function' ? noTokenWait() : noTokenWait;
}

/** What a wait for Meta is said to be for. */
function whyWaiting(err: unknown, meta: MetaError | null): string {
  if (meta) return `Meta error ${meta.code} (${meta.message})`;
  return applicationFailureOf(err)?.type === TOKEN_STORE_UNAVAILABLE_TYPE
    ? "numberflow's token store did not answer (nothing was sent to Meta)"
    : 'Meta did not answer';
}

/** About a day of store-key rechecks (5, 10, 20, 40 minutes, then hourly), after which they slow down. */
const STORE_KEY_RECHECKS_A_DAY = 27;

/** One call's waits for a new token: whether it waited, and its store-key rechecks (STORE_KEY_RECHECK_PATCH). */
class TokenWait {
  private hasWaited = false;
  private recheckUnderWay = false;
  private rechecks = 0;

  /** Whether the call waited for a token. */
  get waited(): boolean {
    return this.hasWaited;
  }

  /** A recheck's call is under way, the token wait standing (only ever true in runs that took the patch). */
  get recheckPending(): boolean {
    return this.recheckUnderWay;
  }

  constructor(private readonly journey: Journey) {}

  /**
   * Puts the journey in a person's hands until a new token is stored (renewals past `renewals`): the promise holds
   * true or nothing when one was, false when a missing store key's recheck is due first. Not async: the loop awaits
   * the condition itself, with no await point of its own.
   */
  start(err: unknown, problem: string, renewals: number): Promise<boolean | void> {
    const { journey } = this;
    journey.publishStage();
    const keyMissing = applicationFailureOf(err)?.type === STORE_KEY_FAILURE_TYPE;
    journey.awaitToken(problem, keyMissing, this.recheckUnderWay);
    this.hasWaited = true;
    const renewed = () => journey.tokenRenewalsSoFar > renewals;
    if (!(keyMissing && patched(STORE_KEY_RECHECK_PATCH))) return condition(renewed);
    // A timer's length is not compared on replay: the pace may change between versions.
    const { firstStoreKeyRecheckMs, storeKeyRecheckMs, storeKeyRecheckLaterMs } = journeyPolicy;
    const atMost = this.rechecks >= STORE_KEY_RECHECKS_A_DAY ? storeKeyRecheckLaterMs : storeKeyRecheckMs;
    const recheckMs = Math.min(atMost, firstStoreKeyRecheckMs * 2 ** this.rechecks++);
    return condition(renewed, recheckMs);
  }

  /** The wait `start` began is over: a new token came, or (false) the recheck is due. */
  over(stored: boolean | void): void {
    // No new token in time: the call again, the wait standing as far as anyone can see until it passes.
    if (stored === false) {
      this.recheckUnderWay = true;
      return;
    }
    this.recheckUnderWay = false;
    this.journey.tokenArrived();
  }

  /**
   * A recheck's call that failed otherwise (the key back, Meta refusing for another reason): the token wait is over,
   * whatever comes next (only runs that took the recheck's patch get here with one standing).
   */
  overByAnotherFailure(): void {
    if (!this.recheckUnderWay) return;
    this.recheckUnderWay = false;
    this.journey.tokenArrived();
  }
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
