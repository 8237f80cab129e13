// Which of Meta's webhooks is a late delivery of an earlier event: dated before what it would change, within the
// 7 days Meta delivers again, beyond the 2 minutes two clocks may differ.
import { describe, expect, it } from 'vitest';
import { sentLateBefore } from '../../src/domain/events.js';

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;

describe("Meta's late deliveries", () => {
  it('is one dated from 2 minutes to 7 days before; not one dated later, nor too long before, nor no date', () => {
    const since = Date.parse('2026-12-06T12:00:00Z');
    const dated = (early: number) => new Date(since - early).toISOString();
    expect(sentLateBefore(dated(2 * 60 * MINUTE), since)).toBe(true);
    expect(sentLateBefore(dated(7 * DAY), since)).toBe(true);
    expect(sentLateBefore(dated(MINUTE), since)).toBe(false); // the clocks differ
    expect(sentLateBefore(dated(-MINUTE), since)).toBe(false); // after: Meta's answer to it
    expect(sentLateBefore(dated(7 * DAY + MINUTE), since)).toBe(false); // a sample body, a dead letter replayed
    expect(sentLateBefore('2025-02-12T00:43:44Z', since)).toBe(false); // Meta's documented example's time
    expect(sentLateBefore('not a date', since)).toBe(false);
  });
});
