// How a test tells from a history that its run is quiet before terminating it (test/support/quiet-run.ts): the last
// workflow task completed, and when the next open timer is due.
import proto from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { lastWorkflowTaskCompleted, nextTimerDueMs, openActivities } from '../support/quiet-run.js';

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

  it('counts the activities scheduled and not yet closed, however they closed', () => {
    const event = (fields: Record<string, unknown>): Event =>
      proto.temporal.api.history.v1.HistoryEvent.fromObject(fields);
    const scheduled = (eventId: number) => event({ eventId, eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED });
    const events: Event[] = [
      scheduled(5),
      scheduled(6),
      scheduled(7),
      scheduled(8),
      event({ activityTaskStartedEventAttributes: { scheduledEventId: 5 } }),
      event({ activityTaskCompletedEventAttributes: { scheduledEventId: 5 } }),
      event({ activityTaskFailedEventAttributes: { scheduledEventId: 6 } }),
      event({ activityTaskTimedOutEventAttributes: { scheduledEventId: 7 } }),
    ];
    expect(openActivities(events)).toBe(1);
    expect(openActivities([...events, event({ activityTaskCanceledEventAttributes: { scheduledEventId: 8 } })])).toBe(
      0,
    );
    expect(openActivities([])).toBe(0);
  });
});
