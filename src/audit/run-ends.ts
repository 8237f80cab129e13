// How a run began and how it closed, in the timeline's words: who started the onboarding and with what, and the
// ending — the journey's result (outcome, reason code, remediation, actor, Meta's error), a failure, a cancel, a
// termination or the continue-as-new that carries the journey into its next run.
import proto from '@temporalio/proto';
import type { z } from 'zod';
import type { HistoryEvent, PayloadReader } from './decode.js';
import { metaAnswerOf } from './graph-calls.js';
import { allowed, resultFields, type journeyStartFields } from './payloads.js';
import type { NewEntry } from './walk.js';
import { RESETTER } from '../journeys/reset-runs.js';

export function startWhat(input: z.infer<typeof journeyStartFields>): string {
  const how = [
    `display name "${input.displayName}"`,
    input.path,
    `code by ${input.codeMethod}${input.ivr ? ' (behind an IVR)' : ''}`,
    `PIN ${input.pinPolicy === 'operator' ? 'chosen by an operator' : 'generated'}`,
    ...(input.phoneNumberId ? [`adopting phone_number_id ${input.phoneNumberId}`] : []),
    // A start with a signup time came from an Embedded Signup (the intake's, or an onboarding service's own).
    ...(input.signupWindow === false ? [] : [`its Embedded Signup at ${input.signupAt} (14-day window)`]),
  ];
  return `started onboarding ${input.phoneNumber.e164} on WABA ${input.wabaId} (portfolio ${input.portfolioId}): ${how.join(', ')}`;
}

/** The entry of a run's closing event; undefined for any other event. */
export async function endingEntry(
  event: HistoryEvent,
  reader: PayloadReader,
  where: string,
  cancel: { actor?: string; cause?: string },
): Promise<NewEntry | undefined> {
  const completed = event.workflowExecutionCompletedEventAttributes;
  if (completed) {
    const result = allowed(resultFields, await reader.first(completed.result?.payloads, where));
    if (!result)
      return { kind: 'ended', what: 'the journey ended (its result could not be read)', outcome: 'COMPLETED' };
    const meta = result.metaError ? metaAnswerOf(result.metaError) : undefined;
    return {
      kind: 'ended',
      stage: result.outcome,
      ...(result.actor ? { actor: result.actor } : {}),
      what: result.reason,
      outcome: `${result.outcome} (${result.reasonCode})`,
      remediation: result.remediation,
      ...(meta ? { meta } : {}),
    };
  }
  const failed = event.workflowExecutionFailedEventAttributes;
  if (failed) {
    const type = failed.failure?.applicationFailureInfo?.type;
    return {
      kind: 'ended',
      stage: 'FAILED',
      what: failed.failure?.message ?? 'the workflow failed',
      outcome: `FAILED${type ? ` (${type})` : ''}`,
    };
  }
  if (event.workflowExecutionCanceledEventAttributes) {
    return {
      kind: 'ended',
      stage: 'CANCELLED',
      ...(cancel.actor ? { actor: cancel.actor } : {}),
      what: cancel.cause ?? 'the run was cancelled',
      outcome: 'CANCELLED',
    };
  }
  const terminated = event.workflowExecutionTerminatedEventAttributes;
  if (terminated?.identity === RESETTER) {
    return {
      kind: 'ended',
      what: `ended by a reset through Temporal${terminated.reason ? `: ${terminated.reason}` : ''}; the journey goes on in the run the reset made`,
      outcome: 'RESET',
    };
  }
  if (terminated) {
    return {
      kind: 'ended',
      ...(terminated.identity ? { actor: terminated.identity } : {}),
      what: `terminated through Temporal${terminated.reason ? `: ${terminated.reason}` : ''}`,
      outcome: 'TERMINATED',
    };
  }
  if (event.workflowExecutionTimedOutEventAttributes) {
    return { kind: 'ended', what: 'the run timed out in Temporal', outcome: 'TIMED_OUT' };
  }
  const continued = event.workflowExecutionContinuedAsNewEventAttributes;
  if (continued) {
    return {
      kind: 'ended',
      what: `continued as new in run ${continued.newExecutionRunId ?? '?'} (history kept bounded), carrying its state`,
      outcome: 'CONTINUED_AS_NEW',
    };
  }
  return undefined;
}

/**
 * A journey's run closed outside the journey (terminated, timed out) as the journey's views, run lists and exports
 * read it: FAILED, reason code RUN_TERMINATED or RUN_TIMED_OUT (src/journeys/read.ts), so that a filter on FAILED
 * finds it. A customer's recovery keeps Temporal's word.
 */
export function asJourneyEnding(entry: NewEntry): NewEntry {
  if (entry.outcome !== 'TERMINATED' && entry.outcome !== 'TIMED_OUT') return entry;
  return { ...entry, stage: 'FAILED', outcome: `FAILED (RUN_${entry.outcome})` };
}

const RESET_CAUSE = proto.temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW;

/**
 * Where a run made by a reset begins its own life: the last reset's failed workflow task (a run reset twice holds
 * both). The events before it are copies of the run it was reset from; -1 for a run no reset made.
 */
export function resetPoint(events: readonly HistoryEvent[]): number {
  return events.findLastIndex((e) => e.workflowTaskFailedEventAttributes?.cause === RESET_CAUSE);
}

/** The run a reset made this one from, or null. */
export function resetFrom(events: readonly HistoryEvent[]): string | null {
  return events[resetPoint(events)]?.workflowTaskFailedEventAttributes?.baseRunId || null;
}

/** The first entry of a run a reset made: from which run, why, and what is made again from here. */
export function resetEntry(event: HistoryEvent): NewEntry {
  const failed = event.workflowTaskFailedEventAttributes;
  const reason = failed?.failure?.message;
  return {
    kind: 'started',
    what:
      `reset through Temporal from run ${failed?.baseRunId ?? '?'}${reason ? ` (${reason})` : ''}: this run goes on from ` +
      "that run's state at this point, so the calls to Meta after it are made again; the signals and updates the reset applied again (all of that run's later ones, unless it excluded some) are each marked so",
  };
}
