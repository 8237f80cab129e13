// Whether a worker polls a task queue: the workflow pollers Temporal saw on it since a moment. The server lists a
// stopped worker's pollers for minutes after its last poll, so "since" is what tells a live worker from a gone one.
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto'; // CommonJS: its namespaces come through the default export
import { protoTimeMs } from './proto-time.js';

const { TaskQueueKind, TaskQueueType } = proto.temporal.api.enums.v1;

/** The workflow pollers the server lists for `taskQueue`: who, and when each last began a poll (ms). */
export async function workflowPollers(
  client: Client,
  taskQueue: string,
): Promise<{ identity: string; lastPollMs: number }[]> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (pollers ?? []).map((p) => ({ identity: p.identity ?? '', lastPollMs: protoTimeMs(p.lastAccessTime) }));
}

/** How many workflow pollers of `taskQueue` the server saw from `sinceMs` on (0: every one it lists). */
export async function workflowPollersSince(client: Client, taskQueue: string, sinceMs = 0): Promise<number> {
  return (await workflowPollers(client, taskQueue)).filter((poller) => poller.lastPollMs >= sinceMs).length;
}
