// Graph calls from the journey: activity proxies with retry policies that respect Meta's limits, and the
// durable waits for rate limits and outages. Waits of hours or days are workflow timers, never retries.
import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  sleep,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { GRAPH_FAILURE_TYPE, GRAPH_UNREACHABLE_TYPE, type MetaError } from '../../domain/meta-error.js';
import { journeyPolicy } from '../../domain/policy.js';
import type { Journey } from './state.js';

// An attempt must outlast its HTTP calls (connect 5 s + answer 15 s + body 15 s each, two calls at most), or
// Temporal would start a retry while the first call still runs: a second request_code or register.
const GRAPH_ATTEMPT = '2m';

/** Reads and idempotent writes: a few quick retries on transient errors. */
export const graph = proxyActivities<Activities>({
  startToCloseTimeout: GRAPH_ATTEMPT,
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 6 },
});

/**
 * register and deregister count toward 10 calls per 72 h (meta-graph.md §2.6): one guarded retry, which first
 * checks Meta's state in case the call went through; longer outages are waited out by callMeta.
 */
export const limited = proxyActivities<Activities>({
  startToCloseTimeout: GRAPH_ATTEMPT,
  retry: { initialInterval: '5s', maximumAttempts: 2 },
});

/** Quick work inside the worker, recorded once in history (a retried register never meets another PIN). */
export const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s' });

/** Talks to our own Temporal cluster (the portfolio entity), not to Meta. */
export const cluster = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

/** The Meta error behind an activity failure, when it was one. */
export function metaErrorOf(err: unknown): MetaError | null {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return null;
  if (err.cause.type !== GRAPH_FAILURE_TYPE) return null;
  return (err.cause.details?.[0] as MetaError | undefined) ?? null;
}

export function isMetaError(err: unknown, ...codes: number[]): boolean {
  const meta = metaErrorOf(err);
  return meta !== null && codes.includes(meta.code);
}

/**
 * Runs a Graph call; on a rate limit (133016: 72 h, 133015: minutes, 4/80007: the header's wait) or an outage
 * that outlasted the activity's retries, waits durably and calls again — a bounded number of times.
 * Permanent errors go back to the caller, which knows what they mean at its stage.
 */
export async function callMeta<T>(
  journey: Journey,
  call: () => Promise<T>,
  /** Told before a durable wait begins (to answer a person who should not wait days for a reply). */
  onWait?: (until: string) => void,
): Promise<T> {
  for (let waits = 0; ; waits++) {
    try {
      const value = await call();
      if (waits > 0) journey.waiting = null;
      return value;
    } catch (err) {
      if (isCancellation(err)) throw err; // a cancelled journey is not an outage
      const meta = metaErrorOf(err);
      if (meta) journey.lastError = meta;
      const wait = waitAfter(err, meta);
      if (wait === null || waits >= journeyPolicy.maxMetaWaits) throw err;
      const why = meta ? `Meta error ${meta.code} (${meta.message})` : 'Meta did not answer';
      journey.waitFor('meta', `${why}: numberflow waits, then calls again`, Date.now() + wait);
      onWait?.(new Date(Date.now() + wait).toISOString());
      await sleep(wait);
    }
  }
}

function waitAfter(err: unknown, meta: MetaError | null): number | null {
  if (meta?.errorClass === 'rate_limited') return meta.retryAfterMs ?? journeyPolicy.outageWaitMs;
  if (meta?.errorClass === 'transient') return journeyPolicy.outageWaitMs;
  // Graph unreachable, or the activity itself timed out or crashed (no Meta answer): an outage.
  if (!meta && err instanceof ActivityFailure) {
    const cause = err.cause;
    if (!(cause instanceof ApplicationFailure) || cause.type === GRAPH_UNREACHABLE_TYPE)
      return journeyPolicy.outageWaitMs;
  }
  return null;
}
