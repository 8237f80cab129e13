// How a test tells from a history that its run is quiet before terminating it (test/support/quiet-run.ts): the last
// workflow task completed, and when the next open timer is due.
import proto from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { busyWith, lastWorkflowTaskCompleted, nextTimerDueMs, openWork } from '../support/quiet-run.js';

const { EventType } = proto.temporal.api.enums.v1;
type Event = proto.temporal.api.history.v1.IHistoryEvent;

const task = (eventType: number): Event => ({ eventType });
// From a plain object, as protobuf reads one (its 64-bit seconds from numbers).
const timer = (id: string, startedAt: number, seconds: number): Event =>
  proto.temporal.api.history.v1.HistoryEvent.fromObject({
    eventType: EventType.EVENT_TYPE_TIMER_STARTED,
    eventTime: { seconds: startedAt },
    timerStartedEventAttributes: { timerId: id, startToFireTimeout: { seconds } },
  });

describe('a quiet run, read from its history', () => {
  it('is quiet only once its last workflow task completed', () => {
    const completed = [
      task(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
      task(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED),
      task(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
      timer('1', 100, 60),
    ];
    expect(lastWorkflowTaskCompleted(completed)).toBe(true);
    const fired = [
      ...completed,
      { eventType: EventType.EVENT_TYPE_TIMER_FIRED, timerFiredEventAttributes: { timerId: '1' } },
      task(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
    ];
    expect(lastWorkflowTaskCompleted(fired)).toBe(false);
    expect(lastWorkflowTaskCompleted([...fired, task(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)])).toBe(false);
    expect(lastWorkflowTaskCompleted([task(EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT)])).toBe(false);
    expect(lastWorkflowTaskCompleted([])).toBe(false);
  });

  it('knows when the earliest open timer is due, leaving out those fired or cancelled', () => {
    const events: Event[] = [
      timer('1', 100, 60), // due at 160 s, fired
      timer('2', 100, 3_600), // due at 3,700 s, open
      timer('3', 120, 30), // due at 150 s, cancelled
      timer('4', 130, 7_200), // due at 7,330 s, open
      { eventType: EventType.EVENT_TYPE_TIMER_FIRED, timerFiredEventAttributes: { timerId: '1' } },
      { eventType: EventType.EVENT_TYPE_TIMER_CANCELED, timerCanceledEventAttributes: { timerId: '3' } },
    ];
    expect(nextTimerDueMs(events)).toBe(3_700_000);
    expect(nextTimerDueMs(events.slice(0, 1))).toBe(160_000);
    expect(nextTimerDueMs([])).toBeNull();
  });

  it('lists the activities and signals to other workflows not yet closed, however they closed', () => {
    const event = (fields: Record<string, unknown>): Event =>
      proto.temporal.api.history.v1.HistoryEvent.fromObject(fields);
    const scheduled = (eventId: number) => event({ eventId, eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED });
    const signalled = (eventId: number) =>
      event({ eventId, eventType: EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED });
    const events: Event[] = [
      scheduled(5),
      scheduled(6),
      scheduled(7),
      scheduled(8),
      signalled(9),
      signalled(10),
      event({ activityTaskStartedEventAttributes: { scheduledEventId: 5 } }),
      event({ activityTaskCompletedEventAttributes: { scheduledEventId: 5 } }),
      event({ activityTaskFailedEventAttributes: { scheduledEventId: 6 } }),
      event({ activityTaskTimedOutEventAttributes: { scheduledEventId: 7 } }),
      event({ externalWorkflowExecutionSignaledEventAttributes: { initiatedEventId: 9 } }),
    ];
    expect(openWork(events)).toEqual(['8', '10']);
    const closed = [
      ...events,
      event({ activityTaskCanceledEventAttributes: { scheduledEventId: 8 } }),
      event({ signalExternalWorkflowExecutionFailedEventAttributes: { initiatedEventId: 10 } }),
    ];
    expect(openWork(closed)).toEqual([]);
    expect(openWork([])).toEqual([]);
  });

  it('says what keeps a run from being quiet, a timer only when due within 5 s', () => {
    const done = [task(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED), timer('1', 100, 60)];
    expect(busyWith(done, 100_000)).toEqual([]);
    expect(busyWith(done, 155_000)).toEqual(['a timer due at 1970-01-01T00:02:40.000Z']);
    const running = [...done, task(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)];
    expect(busyWith(running, 100_000)).toEqual(['a workflow task in flight']);
  });
});
