// Runs a reset through Temporal ended (`temporal workflow reset`, the Web UI's Reset): Temporal terminates the run it
// resets, in the name of its history resetter, and the journey goes on in the run the reset made. Visibility lists
// such a run as any terminated one; its last event alone tells it apart, so the lists and views that would read it
// as a FAILED journey read that event first (one call per terminated run, never for another).
import type { Client } from '@temporalio/client';
import pLimit from 'p-limit';

/** Who Temporal records as terminating the run a reset replaces (the reset's own caller is not recorded). */
export const RESETTER = 'history-resetter';

/** Reads at most this many runs' last events at once. */
const READS_AT_ONCE = 16;

/** Whether this run was ended by a reset: its last event is a termination by Temporal's history resetter. */
export async function endedByReset(client: Client, workflowId: string, runId: string): Promise<boolean> {
  const { history } = await client.workflowService.getWorkflowExecutionHistoryReverse({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  return history?.events?.[0]?.workflowExecutionTerminatedEventAttributes?.identity === RESETTER;
}

/** The run ids among `runs` that a reset ended. */
export async function runsEndedByReset(
  client: Client,
  runs: readonly { workflowId: string; runId: string }[],
): Promise<Set<string>> {
  const reading = pLimit(READS_AT_ONCE);
  const ended = await Promise.all(
    runs.map(({ workflowId, runId }) => reading(() => endedByReset(client, workflowId, runId))),
  );
  return new Set(runs.filter((_, i) => ended[i]).map((run) => run.runId));
}
