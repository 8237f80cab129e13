// Runs Temporal closed outside the journey (terminated, failed, timed out, cancelled without the journey's ending):
// how they read, for the journey's view (read.ts) and a batch row's stage (batch-start.ts). No Temporal client here:
// the command line's API mode loads this without it.
import proto from '@temporalio/proto'; // CommonJS: its namespaces come through the default export
import type { JourneyOutcome } from '../domain/stages.js';

export type ExecutionStatus = proto.temporal.api.enums.v1.WorkflowExecutionStatus;
const { WorkflowExecutionStatus: Status } = proto.temporal.api.enums.v1;

export interface ClosedOutside {
  /** The status's name, as in the reason code RUN_<name>. */
  name: string;
  /** The status's name in a visibility query (ExecutionStatus = 'Terminated'). */
  queried: string;
  how: string;
  /** The ending the run reads as. */
  outcome: JourneyOutcome;
}

const closedOutsideRuns = new Map<ExecutionStatus, ClosedOutside>([
  [
    Status.WORKFLOW_EXECUTION_STATUS_TERMINATED,
    { name: 'TERMINATED', queried: 'Terminated', how: 'was terminated', outcome: 'FAILED' },
  ],
  [Status.WORKFLOW_EXECUTION_STATUS_FAILED, { name: 'FAILED', queried: 'Failed', how: 'failed', outcome: 'FAILED' }],
  [
    Status.WORKFLOW_EXECUTION_STATUS_TIMED_OUT,
    { name: 'TIMED_OUT', queried: 'TimedOut', how: 'timed out', outcome: 'FAILED' },
  ],
  [
    Status.WORKFLOW_EXECUTION_STATUS_CANCELED,
    { name: 'CANCELED', queried: 'Canceled', how: 'was cancelled', outcome: 'CANCELLED' },
  ],
]);

/** The statuses, by their names in a visibility query, of the runs closed outside the journey that read as `outcome`. */
export function closedOutsideStatusesOf(outcome: string): string[] {
  return [...closedOutsideRuns.values()].filter((run) => run.outcome === outcome).map((run) => run.queried);
}

/** How a run of this status closed outside the journey; null for a run of any other status. */
export function closedOutsideJourney(status: ExecutionStatus | null | undefined): ClosedOutside | null {
  return closedOutsideRuns.get(status ?? Status.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED) ?? null;
}
