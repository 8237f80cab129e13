// How long Temporal keeps a journey's run after it ended: its history is the audit trail, holds the two-step PIN a
// later journey of the number reads back from its results, and answers a start retried with its idempotency key.
// Temporal's default is one day, after which all of that is deleted. `npm start`'s dev server keeps them for years;
// a cluster's namespace is its operators' to set (README, "Going to production").
import type { Connection } from '@temporalio/client';
import { msToTs, tsToMs } from '@temporalio/common/lib/time.js';

/** The retention `npm start` gives its namespace: ten years, as an audit asks (the SQLite file grows with it). */
export const DEV_RETENTION_DAYS = 3650;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Gives the namespace DEV_RETENTION_DAYS when it keeps ended runs for less (a new dev server's one day, or a data
 * folder from before). Answers the days it kept them before, or null when it kept them long enough already.
 */
export async function keepEndedRuns(connection: Connection, namespace: string): Promise<number | null> {
  const { config } = await connection.workflowService.describeNamespace({ namespace });
  const keptMs = config?.workflowExecutionRetentionTtl ? tsToMs(config.workflowExecutionRetentionTtl) : 0;
  if (keptMs >= DEV_RETENTION_DAYS * DAY_MS) return null;
  await connection.workflowService.updateNamespace({
    namespace,
    config: { workflowExecutionRetentionTtl: msToTs(DEV_RETENTION_DAYS * DAY_MS) },
  });
  return Math.round(keptMs / DAY_MS);
}
