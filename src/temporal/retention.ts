// How long Temporal keeps a journey's run after it ended: its history is the audit trail, holds the two-step PIN a
// later journey of the number reads back from its results, and answers a start retried with its idempotency key.
// Temporal's default is one day, after which all of that is deleted. `npm start`'s dev server keeps them for years;
// a cluster's namespace is its operators' to set (README, "Going to production").
import type { Connection } from '@temporalio/client';
import { plural } from '../domain/words.js';
import type { Logger } from '../logger.js';
// The SDK's own protobuf duration (its seconds a Long): numberflow has no Long of its own.
import { msToTs } from '@temporalio/common/lib/time.js';

const DAY_SECONDS = 24 * 60 * 60;

/** Below this, a worker or service on a cluster says what goes with an ended run (it sets nothing: the operators' call). */
export const AUDIT_RETENTION_DAYS = 30;

/**
 * Warns when the namespace keeps ended runs for less than AUDIT_RETENTION_DAYS (a cluster's namespace made with the
 * CLI's default of 3 days, or an auto-setup's one); a namespace it may not describe is left unsaid.
 */
export async function warnOfShortRetention(
  connection: Pick<Connection, 'workflowService'>,
  namespace: string,
  logger: Logger,
): Promise<void> {
  const described = await connection.workflowService.describeNamespace({ namespace }).catch(() => null);
  const keptSeconds = Number(described?.config?.workflowExecutionRetentionTtl?.seconds ?? 0);
  if (!described || keptSeconds === 0 || keptSeconds >= AUDIT_RETENTION_DAYS * DAY_SECONDS) return;
  const days = Math.round((keptSeconds / DAY_SECONDS) * 10) / 10;
  logger.warn(
    `namespace "${namespace}" keeps an ended run for ${plural(days, 'day')}: a journey's audit trail, the two-step PIN a later journey of the number reads back and a retried start's answer go with it then; set the retention your audit requires (temporal operator namespace update --namespace ${namespace} --retention 3650d; on Temporal Cloud, its UI or tcld)`,
  );
}

/** The retention `npm start` gives its namespace: ten years, as an audit asks (the SQLite file grows with it). */
export const DEV_RETENTION_DAYS = 3650;

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
