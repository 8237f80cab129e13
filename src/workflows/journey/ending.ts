// How a journey ends early: stage code throws JourneyEnd, the journey's top level turns it into its result.
import type { JourneyResult } from '../../domain/journey.js';
import type { JourneyOutcome } from '../../domain/stages.js';
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

/** A Graph error no stage can get past: FAILED, with Meta's code, fbtrace_id and the remediation. */
export function failedByMeta(err: unknown, what: string): JourneyEnd {
  const meta = metaErrorOf(err);
  if (!meta) {
    return end(
      'FAILED',
      'UNEXPECTED_ERROR',
      `${what} failed: ${err instanceof Error ? err.message : String(err)}`,
      'Look at the workflow history for the failure, fix the cause, and start a new journey.',
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
