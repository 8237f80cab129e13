// How long Temporal keeps a journey's run after it ended: its history is the audit trail, holds the two-step PIN a
// later journey of the number reads back from its results, and answers a start retried with its idempotency key.
// Temporal's default is one day, after which all of that is deleted. `npm start`'s dev server keeps them for years;
// a cluster's namespace is its operators' to set (README, "Going to production").
import type { Connection } from '@temporalio/client';
// The SDK's own protobuf duration (its seconds a Long): numberflow has no Long of its own.
import { msToTs } from '@temporalio/common/lib/time.js';

/** The retention `npm start` gives its namespace: ten years, as an audit asks (the SQLite file grows with it). */
export const DEV_RETENTION_DAYS = 3650;
const DAY_SECONDS = 24 * 60 * 60;

/**
 * Gives the namespace DEV_RETENTION_DAYS when it keeps ended runs for less (a new dev server's one day, or a data
 * folder from before: Temporal fixed the deletion of a run that ended then when it ended, so only runs that end from
 * now on are kept longer). Answers the days it kept them before, or null when it kept them long enough already.
 */
export async function keepEndedRuns(connection: Connection, namespace: string): Promise<number | null> {
  const { config } = await connection.workflowService.describeNamespace({ namespace });
  const keptSeconds = Number(config?.workflowExecutionRetentionTtl?.seconds ?? 0);
  if (keptSeconds >= DEV_RETENTION_DAYS * DAY_SECONDS) return null;
  await connection.workflowService.updateNamespace({
    namespace,
    config: { workflowExecutionRetentionTtl: msToTs(DEV_RETENTION_DAYS * DAY_SECONDS * 1000) },
  });
  return Math.round(keptSeconds / DAY_SECONDS);
}
