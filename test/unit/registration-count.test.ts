// The 72-hour count of register calls is the journey's as of its last task, which an idle live number may have had
// days ago: a reader counts the calls again by when they were made.
import { describe, expect, it } from 'vitest';
import { countedNow } from '../../src/domain/journey.js';
import { journeyView } from '../support/journey-view.js';

const HOUR = 60 * 60 * 1000;

describe("a journey's register calls in Meta's 72 hours", () => {
  it('are counted again as of now, not as of the last task', () => {
    const now = Date.parse('2026-12-06T12:00:00.000Z');
    const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR).toISOString();
    const view = journeyView({ registrationCallsIn72h: 3, registrationCallsAt: [at(80), at(73), at(71)] });
    expect(countedNow(view, now).registrationCallsIn72h).toBe(1);
    expect(countedNow(view, now - 2 * HOUR).registrationCallsIn72h).toBe(2);
  });

  it("keep the journey's count from a worker that does not say when they were made", () => {
    const view = journeyView({ registrationCallsIn72h: 3 });
    expect(countedNow(view).registrationCallsIn72h).toBe(3);
  });
});
