// Ending a test's run without leaving work in flight. The time-skipping server keeps the time lock of a workflow or
// activity task in flight when its run is terminated, and every later skip of the file then crawls at the wall
// clock's pace: a 72-hour sleep outlasts its test (seen in CI, and in 2 of 15 runs of durable-waits.test.ts under
// load). Its describe never shows a workflow task in flight, so the history says; and between skips its clock runs
// at the wall clock's pace, so a timer due within seconds fires while the run is being terminated.
import proto from '@temporalio/proto'; // CommonJS: its namespaces come through the default export
import { protoTimeMs } from '../../src/audit/decode.js';
import type { TestEnv } from './temporal.js';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

const { EventType } = proto.temporal.api.enums.v1;
const WORKFLOW_TASK_EVENTS = new Set([
  EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
]);

/** A timer due sooner than this (server time) may fire while the run is being terminated: it is waited for. */
const TIMER_MARGIN_MS = 5_000;
const QUIET_WITHIN_MS = 20_000;

/** Whether a history's last workflow task event is its completion: none scheduled or running after it. */
export function lastWorkflowTaskCompleted(events: readonly HistoryEvent[]): boolean {
  const last = events.findLast((event) => WORKFLOW_TASK_EVENTS.has(event.eventType ?? 0));
  return last?.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED;
}

const ACTIVITY_CLOSED = [
  'activityTaskCompletedEventAttributes',
  'activityTaskFailedEventAttributes',
  'activityTaskTimedOutEventAttributes',
  'activityTaskCanceledEventAttributes',
] as const;

/** Activities scheduled and not yet closed (completed, failed, timed out or cancelled) in a history. */
export function openActivities(events: readonly HistoryEvent[]): number {
  const open = new Set<string>();
  for (const event of events) {
    if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) open.add(String(event.eventId));
    for (const closed of ACTIVITY_CLOSED) {
      const scheduled = event[closed]?.scheduledEventId;
      if (scheduled !== undefined && scheduled !== null) open.delete(String(scheduled));
    }
  }
  return open.size;
}

/** When the history's earliest timer still open (started, neither fired nor cancelled) is due; null if none is. */
export function nextTimerDueMs(events: readonly HistoryEvent[]): number | null {
  const open = new Map<string, number>();
  for (const event of events) {
    const started = event.timerStartedEventAttributes;
    if (started?.timerId)
      open.set(started.timerId, protoTimeMs(event.eventTime) + protoTimeMs(started.startToFireTimeout));
    const closed = event.timerFiredEventAttributes ?? event.timerCanceledEventAttributes;
    if (closed?.timerId) open.delete(closed.timerId);
  }
  return open.size === 0 ? null : Math.min(...open.values());
}

/**
 * Terminates a run once nothing of it is in flight or about to be (waiting 20 s at most): after `settle` (what could
 * still signal it, such as the sandbox's webhooks, delivered), no workflow task, no activity and no timer due within
 * 5 s, all read from one history (the describe's pending activities and the history are not read at one instant).
 */
export async function terminateWhenIdle(
  env: Pick<TestEnv, 'client' | 'currentTimeMs'>,
  workflowId: string,
  { reason = 'test done', settle }: { reason?: string; settle?: () => Promise<void> } = {},
): Promise<void> {
  const handle = env.client.workflow.getHandle(workflowId);
  const giveUpAt = Date.now() + QUIET_WITHIN_MS;
  while (Date.now() < giveUpAt) {
    await settle?.();
    if ((await handle.describe()).status.name !== 'RUNNING') return;
    const events = (await handle.fetchHistory()).events ?? [];
    const due = nextTimerDueMs(events);
    const timerFar = due === null || due - (await env.currentTimeMs()) > TIMER_MARGIN_MS;
    if (lastWorkflowTaskCompleted(events) && openActivities(events) === 0 && timerFar) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await handle.terminate(reason);
}
