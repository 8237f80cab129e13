// How a journey ends early: stage code throws JourneyEnd, the journey's top level turns it into its result.
import type { JourneyResult } from '../../domain/journey.js';
import type { JourneyOutcome } from '../../domain/stages.js';
import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';
import { metaErrorOf } from './meta.js';

export class JourneyEnd extends Error {
  override readonly name = 'JourneyEnd';
  constructor(readonly result: JourneyResult) {
    super(`${result.outcome}: ${result.reason}`);
  }
}

export function end(
  outcome: JourneyOutcome,
  reasonCode: string,
  reason: string,
  remediation: string,
  extra: Partial<Pick<JourneyResult, 'actor' | 'metaError'>> = {},
): JourneyEnd {
  return new JourneyEnd({ outcome, reasonCode, reason, remediation, actor: null, metaError: null, ...extra });
}

/**
 * A Graph error no stage can get past: FAILED, with Meta's code, fbtrace_id and the remediation. A cancellation
 * is no failure: it is rethrown as it is.
 */
export function failedByMeta(err: unknown, what: string): JourneyEnd {
  if (isCancellation(err)) throw err;
  const meta = metaErrorOf(err);
  if (!meta) {
    // The activity's own failure (its cause) says what went wrong; the ActivityFailure only says "failed".
    const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
    const kind = cause instanceof ApplicationFailure && cause.type ? cause.type : 'UNEXPECTED_ERROR';
    return end(
      'FAILED',
      kind,
      `${what} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      'Look at the workflow history for the failure, fix the cause (a missing token, Graph unreachable for long, an answer numberflow did not expect), and start a new journey.',
    );
  }
  const trace = meta.fbtraceId ? `, fbtrace_id ${meta.fbtraceId}` : '';
  return end(
    'FAILED',
    `META_${meta.code}`,
    `${what} failed: Meta error ${meta.code} (${meta.message}${trace})`,
    meta.remediation,
    { metaError: meta },
  );
}
