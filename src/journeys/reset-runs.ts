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
/** Closed runs whose ending was read, kept: a closed run's last event never changes (a bulk reset lists thousands). */
const KNOWN_KEPT = 20_000;
const known = new Map<string, boolean>();

/**
 * Whether this run was ended by a reset: its last event is a termination by Temporal's history resetter. A run whose
 * history cannot be read (gone with its retention, a refusal) reads as not reset: as any terminated run.
 */
export async function endedByReset(client: Client, workflowId: string, runId: string): Promise<boolean> {
  const key = `${workflowId}/${runId}`;
  const kept = known.get(key);
  if (kept !== undefined) return kept;
  const reset = await client.workflowService
    .getWorkflowExecutionHistoryReverse({
      namespace: client.options.namespace,
      execution: { workflowId, runId },
      maximumPageSize: 1,
    })
    .then(
      ({ history }) => history?.events?.[0]?.workflowExecutionTerminatedEventAttributes?.identity === RESETTER,
      () => null,
    );
  if (reset === null) return false; // not kept: it may be read next time
  if (known.size >= KNOWN_KEPT) known.delete(known.keys().next().value as string);
  known.set(key, reset);
  return reset;
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
