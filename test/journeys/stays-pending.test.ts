// A number Meta keeps PENDING after its registration: the journey reads it with backoff, says until when it waits,
// and ends STAYS_PENDING after 7 days.
import { describe, expect, it } from 'vitest';
import { journeyPolicy } from '../../src/domain/policy.js';
import { useBench } from '../support/bench.js';
import { submitDeliveredCode } from '../support/steps.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('a number that stays PENDING (time-skipping server, Graph sandbox)', () => {
  const t = useBench('time-skipping', { sandbox: { connectDelayMs: 60 * DAY } });

  it('shows until when it waits, polls with backoff, and ends STAYS_PENDING after 7 days', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      await submitDeliveredCode(t.bench, journey);
      const waiting = await journey.until((v) => v.stage === 'AWAITING_CONNECTED', 'AWAITING_CONNECTED');
      const entered = await t.env.currentTimeMs();
      expect(waiting.waiting).toMatchObject({
        for: 'meta',
        reason: 'Meta shows the number PENDING until the registration takes effect',
      });
      const until = Date.parse(waiting.waiting?.until ?? '');
      expect(Math.abs(until - (entered + journeyPolicy.connectTimeoutMs))).toBeLessThan(60_000);

      // A day on, after reads of Meta, the wait still says until when.
      await t.env.sleep(DAY);
      const later = await journey.until((v) => v.stage === 'AWAITING_CONNECTED', 'still AWAITING_CONNECTED');
      expect(later.waiting?.until).toBe(waiting.waiting?.until);

      await t.env.sleep(6 * DAY + HOUR);
      const ended = await journey.until((v) => v.result !== null, 'the ending', 60);
      expect(ended.result).toMatchObject({ outcome: 'FAILED', reasonCode: 'STAYS_PENDING' });
      expect(ended.result?.reason).toContain('stayed PENDING for 7 days');
      // Read with backoff: 30 s doubling, at most 6 h apart — some tens of reads in 7 days, not thousands.
      const timers = ((await t.env.client.workflow.getHandle(journey.workflowId).fetchHistory()).events ?? [])
        .flatMap((e) => {
          const seconds = e.timerStartedEventAttributes?.startToFireTimeout?.seconds;
          return seconds === undefined || seconds === null ? [] : [Number(seconds)];
        })
        .filter((seconds) => seconds >= 30 && seconds <= 6 * 3600);
      const polls = timers.slice(timers.indexOf(30)); // after the code's own 15-minute wait
      expect(polls.slice(0, 4)).toEqual([30, 60, 120, 240]);
      expect(polls.length).toBeLessThan(50);
      expect(Math.max(...timers)).toBe(6 * 3600);
    });
  }, 120_000);
});
