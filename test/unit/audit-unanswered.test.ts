// A Graph call that never got an answer stands in the timeline where history recorded it: before the ending that
// left it unanswered, not after it with its earlier time.
import { describe, expect, it } from 'vitest';
import { event, started, timelineOf, upsert } from '../support/history-events.js';

const scheduled = (eventId: number, activityType: string) =>
  event(eventId, { activityTaskScheduledEventAttributes: { activityType: { name: activityType } } });
const completed = (eventId: number, scheduledEventId: number) =>
  event(eventId, { activityTaskCompletedEventAttributes: { scheduledEventId } });
const terminated = (eventId: number) =>
  event(eventId, { workflowExecutionTerminatedEventAttributes: { reason: 'test done', identity: 'ops@acme' } });

describe('a call without an answer in the timeline', () => {
  const history = [
    started('WAITING_FOR_CAPACITY'),
    upsert(2, 'REGISTERING'),
    scheduled(3, 'registerNumber'),
    upsert(4, 'DISPLAY_NAME_REVIEW'), // not a journey's order: it only dates an entry after the call
    scheduled(5, 'requestDisplayNameChange'),
    completed(6, 5),
  ];

  it('stands where it was made, before the ending that left it unanswered, in time order', async () => {
    const { entries } = await timelineOf([...history, terminated(7)], false);
    expect(entries.map((e) => [e.kind, e.outcome ?? null])).toEqual([
      ['started', null],
      ['stage', null],
      ['graph_call', 'no answer: the run ended first'],
      ['stage', null],
      ['graph_call', expect.any(String)],
      ['ended', 'FAILED (RUN_TERMINATED)'],
    ]);
    const times = entries.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('stands before an ending recorded in the same millisecond, and two made together keep their order', async () => {
    const sameTime = { eventTime: { seconds: 1_800_000_010 } };
    const { entries } = await timelineOf(
      [
        started('REGISTERING'),
        event(2, { ...sameTime, activityTaskScheduledEventAttributes: { activityType: { name: 'registerNumber' } } }),
        event(3, { ...sameTime, activityTaskScheduledEventAttributes: { activityType: { name: 'deregisterNumber' } } }),
        event(4, { ...sameTime, workflowExecutionTerminatedEventAttributes: { reason: 'test done' } }),
      ],
      false,
    );
    expect(entries.map((e) => e.what)).toEqual([
      expect.stringMatching(/^started/),
      'register the number with its two-step PIN',
      'deregister the number',
      'terminated through Temporal: test done',
    ]);
  });

  it('says of a wait the run did not outlive that the run ended first, and nothing of one in an open run', async () => {
    const timer = event(3, { timerStartedEventAttributes: { timerId: '1', startToFireTimeout: { seconds: 3600 } } });
    const waitOf = async (events: Parameters<typeof timelineOf>[0], open: boolean) =>
      (await timelineOf(events, open)).entries.find((e) => e.kind === 'wait');
    expect(await waitOf([started('AWAITING_OTP'), timer, terminated(4)], false)).toMatchObject({
      outcome: 'this run closed before the deadline',
    });
    expect((await waitOf([started('AWAITING_OTP'), timer], true))?.outcome).toBeUndefined();
    const fired = event(4, { timerFiredEventAttributes: { timerId: '1' } });
    expect(await waitOf([started('AWAITING_OTP'), timer, fired, terminated(5)], false)).toMatchObject({
      outcome: 'waited until the deadline',
    });
  });

  it('is still under way in an open run, where it was made', async () => {
    const { entries } = await timelineOf(history, true);
    expect(entries.filter((e) => e.kind === 'graph_call').map((e) => e.outcome)).toEqual([
      'no answer yet',
      expect.any(String),
    ]);
    expect(entries[2]).toMatchObject({ kind: 'graph_call', stage: 'REGISTERING', outcome: 'no answer yet' });
  });
});
