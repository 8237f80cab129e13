// How a journey ends early: stage code throws `end(reasonCode, params)`, the journey's top level turns it into its
// result. The reasons and remediations are the catalog of src/domain/endings.ts.
import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';
import { endingResult, type EndingParams, type ReasonCode } from '../../domain/endings.js';
import type { JourneyResult } from '../../domain/journey.js';
import { metaErrorOf } from './failures.js';

export class JourneyEnd extends Error {
  override readonly name = 'JourneyEnd';
  constructor(readonly result: JourneyResult) {
    super(`${result.outcome}: ${result.reason}`);
  }
}

export function end<R extends ReasonCode>(
  reasonCode: R,
  params: EndingParams<R>,
  extra?: Parameters<typeof endingResult>[2],
): JourneyEnd {
  return new JourneyEnd(endingResult(reasonCode, params, extra));
}

/**
 * A Graph error no stage can get past: FAILED, with Meta's code, fbtrace_id and the remediation. A cancellation
 * is no failure: it is rethrown as it is.
 */
export function failedByMeta(err: unknown, what: string): JourneyEnd {
  if (isCancellation(err)) throw err;
  const meta = metaErrorOf(err);
  if (meta) return end('META_ERROR', { what, meta }, { metaError: meta, code: `META_${meta.code}` });
  // The activity's own failure (its cause) says what went wrong; the ActivityFailure only says "failed".
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  const type = cause instanceof ApplicationFailure && cause.type ? cause.type : 'UNEXPECTED_ERROR';
  const message = cause instanceof Error ? cause.message : String(cause);
  return end('UNEXPECTED_ERROR', { what, message }, { code: type });
}
