// Ending a test's run without leaving work in flight. The time-skipping server holds a time lock for a workflow task,
// an activity attempt or a signal to another workflow while it is in flight, and keeps it if the run is terminated
// meanwhile: every later skip of the file then crawls at the wall clock's pace, and a 72-hour sleep outlasts its test
// (seen in CI, and in 2 of 15 runs of durable-waits.test.ts under load). That server's describe never shows a
// workflow task in flight, so the history is read instead; and between skips its clock runs at the wall clock's
// pace, so a timer due within seconds would fire while the run is being terminated.
import { WorkflowNotFoundError } from '@temporalio/client';
import proto from '@temporalio/proto'; // CommonJS: its namespaces come through the default export
import { protoTimeMs } from '../../src/temporal/proto-time.js';
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

/** The events that close an activity (by its scheduled event) or a signal to another workflow (by its initiation). */
const CLOSING = [
  ['activityTaskCompletedEventAttributes', 'scheduledEventId'],
  ['activityTaskFailedEventAttributes', 'scheduledEventId'],
  ['activityTaskTimedOutEventAttributes', 'scheduledEventId'],
  ['activityTaskCanceledEventAttributes', 'scheduledEventId'],
  ['externalWorkflowExecutionSignaledEventAttributes', 'initiatedEventId'],
  ['signalExternalWorkflowExecutionFailedEventAttributes', 'initiatedEventId'],
] as const;

const OPENING = new Set([
  EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
]);

/** Activities scheduled and signals to other workflows sent that have not closed yet, by their opening event's id. */
export function openWork(events: readonly HistoryEvent[]): string[] {
  const open = new Set<string>();
  for (const event of events) {
    if (OPENING.has(event.eventType ?? 0)) open.add(String(event.eventId));
    for (const [attributes, opener] of CLOSING) {
      const id = (event[attributes] as Partial<Record<typeof opener, unknown>> | null | undefined)?.[opener];
      if (id !== undefined && id !== null) open.delete(String(id));
    }
  }
  return [...open];
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

/** What keeps a history from being quiet at server time `now`; none when it is. */
export function busyWith(events: readonly HistoryEvent[], now: number): string[] {
  const busy: string[] = [];
  if (!lastWorkflowTaskCompleted(events)) busy.push('a workflow task in flight');
  const open = openWork(events);
  if (open.length > 0) busy.push(`activities or signals in flight (events ${open.join(', ')})`);
  const due = nextTimerDueMs(events);
  if (due !== null && due - now <= TIMER_MARGIN_MS) busy.push(`a timer due at ${new Date(due).toISOString()}`);
  return busy;
}

/**
 * Terminates a run once nothing of it is in flight or about to be: after `settle` (what could still signal it, such
 * as the sandbox's webhooks, delivered), one history shows no workflow task, activity or signal in flight and no timer
 * due within 5 s, and a second read after settling again shows nothing new. Not quiet within 20 s, it throws saying
 * why, and leaves the run to the file's end rather than leak the time lock.
 */
export async function terminateWhenIdle(
  env: Pick<TestEnv, 'client' | 'currentTimeMs'>,
  workflowId: string,
  { reason = 'test done', settle }: { reason?: string; settle?: () => Promise<void> } = {},
): Promise<void> {
  const handle = env.client.workflow.getHandle(workflowId);
  const read = async () => {
    await settle?.();
    return (await handle.fetchHistory()).events ?? [];
  };
  const giveUpAt = Date.now() + QUIET_WITHIN_MS;
  let busy: string[] = [];
  while (Date.now() < giveUpAt) {
    if ((await handle.describe()).status.name !== 'RUNNING') return;
    const events = await read();
    busy = busyWith(events, await env.currentTimeMs());
    if (busy.length === 0 && String((await read()).at(-1)?.eventId) === String(events.at(-1)?.eventId)) {
      try {
        await handle.terminate(reason);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err; // it closed meanwhile: nothing to end
      }
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${workflowId} was not quiet within ${QUIET_WITHIN_MS / 1000} s: ${busy.join('; ') || 'new events'}`);
}
