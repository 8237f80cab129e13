// What a call's failure says: Meta's error, the activity's own refusal, a timeout; and whether time may mend it.
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import {
  GRAPH_FAILURE_TYPE,
  TOKEN_REFUSED_CODES,
  TOKEN_UNAVAILABLE_TYPES,
  UNREACHED_TYPES,
  type CapRefusalDetail,
  type MetaError,
} from '../../domain/meta-error.js';
import { journeyPolicy } from '../../domain/policy.js';
import { WABA_ELSEWHERE_TYPE, type WabaElsewhere } from '../../domain/portfolio.js';

/**
 * What a call's failure says: an activity's comes as an ActivityFailure around its cause, a local activity's as the
 * cause itself (ApplicationFailure, TimeoutFailure). Null for anything else (the workflow's own errors).
 */
export function callFailure(err: unknown): ApplicationFailure | TimeoutFailure | { other: unknown } | null {
  if (err instanceof ActivityFailure) {
    const cause = err.cause;
    return cause instanceof ApplicationFailure || cause instanceof TimeoutFailure ? cause : { other: cause };
  }
  return err instanceof ApplicationFailure || err instanceof TimeoutFailure ? err : null;
}

export function applicationFailureOf(err: unknown): ApplicationFailure | null {
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

/**
 * Why a call failed, in words for a note: Meta's message, else the error's own. `wrapped`: an activity's failure
 * is told by what it wraps (Graph unreachable), not by the SDK's "Activity task failed".
 */
export function whyFailed(err: unknown, { wrapped = false } = {}): string {
  const cause = wrapped && err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return metaErrorOf(err)?.message ?? (cause instanceof Error ? cause.message : String(cause));
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

/** Why the WABA's token cannot be used (Meta refused it, or numberflow has none it can open); null otherwise. */
export function unusableToken(err: unknown, meta: MetaError | null): string | null {
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
export function waitAfter(err: unknown, meta: MetaError | null, waits: number): number | null {
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
