// Runs as visibility lists them, read from the raw answer: ids, status, times and search attributes (stored plain),
// never the memo. The SDK's list decodes every run's memo through the codec — an API-started journey's is encrypted
// (its idempotency key) — so one run this process holds no key for (an old run after a rotation, a restore's) failed
// the whole listing: an audit, a WABA's webhook routing, a PIN read back. Nothing here needs a memo.
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import proto from '@temporalio/proto'; // CommonJS: its namespaces come through the default export
import { protoDate } from './proto-time.js';

const { WorkflowExecutionStatus } = proto.temporal.api.enums.v1;
type RawExecution = proto.temporal.api.workflow.v1.IWorkflowExecutionInfo;

export interface ListedRun {
  workflowId: string;
  runId: string;
  /** As the SDK names it: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, CONTINUED_AS_NEW, TIMED_OUT, PAUSED. */
  status: string;
  startTime: Date;
  closeTime: Date | null;
  /** A keyword or datetime search attribute's value as stored (text; a datetime in RFC 3339), undefined when unset. */
  attribute(key: { name: string }): string | undefined;
}

/** A search attribute of `fields` as stored (plain JSON, never encrypted): its text, or undefined. */
export function attributeOf(fields: Record<string, unknown>, key: { name: string }): string | undefined {
  const payload = fields[key.name];
  const value: unknown = payload ? defaultPayloadConverter.fromPayload(payload as Payload) : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** A run's status as Temporal's API names it, without its prefix: RUNNING, COMPLETED, CANCELED, … */
export function statusName(raw: Pick<RawExecution, 'status'>): string {
  return (WorkflowExecutionStatus[raw.status ?? 0] ?? 'UNSPECIFIED').replace('WORKFLOW_EXECUTION_STATUS_', '');
}

export function listedRun(raw: RawExecution): ListedRun {
  const fields = raw.searchAttributes?.indexedFields ?? {};
  const name = statusName(raw);
  return {
    workflowId: raw.execution?.workflowId ?? '',
    runId: raw.execution?.runId ?? '',
    status: name === 'CANCELED' ? 'CANCELLED' : name,
    startTime: protoDate(raw.startTime) ?? new Date(0),
    closeTime: protoDate(raw.closeTime),
    attribute: (key) => attributeOf(fields, key),
  };
}

/** Every run `query` finds, page by page as visibility gives them (newest first). */
export async function* listedRuns(client: Client, query: string, pageSize = 1000): AsyncGenerator<ListedRun> {
  let nextPageToken: Uint8Array | null = null;
  do {
    const answer: proto.temporal.api.workflowservice.v1.IListWorkflowExecutionsResponse =
      await client.workflowService.listWorkflowExecutions({
        namespace: client.options.namespace,
        query,
        pageSize,
        nextPageToken,
      });
    for (const raw of answer.executions ?? []) yield listedRun(raw);
    nextPageToken = answer.nextPageToken?.length ? answer.nextPageToken : null;
  } while (nextPageToken);
}

/** A task queue's name in a visibility query; one with a quote or a backslash is refused rather than escaped. */
export function queueLiteral(value: string): string {
  if (/['"\\]/.test(value)) throw new Error(`the task queue name ${JSON.stringify(value)} has a quote or a backslash`);
  return `'${value}'`;
}
