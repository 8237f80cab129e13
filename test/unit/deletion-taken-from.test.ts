// When a journey being removed takes the admin's deletion confirmation: its view says the date the journey's own
// refusal says, so the console offers no form the journey would refuse (a paid message heard after the removal's
// wait moves it past the date the wait ended at).
import { describe, expect, it } from 'vitest';
import { DELETION_WAIT, PAID_MESSAGE_BLOCK } from '../../src/domain/journey.js';
import { formsState } from '../../src/http/console/pages/forms.js';
import { initialState, viewOf } from '../../src/workflows/journey/state.js';
import { journeyInput } from '../support/journeys.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

function removing(now: number, deletionAllowedAt: number | null, lastPaidMessageAt: number | null) {
  const input = journeyInput({}, new Date(now - 60 * DAY));
  const state = { ...initialState(input), stage: 'REMOVING' as const, deletionAllowedAt, lastPaidMessageAt };
  return viewOf(input, state, now);
}

describe("a removal's deletion date in the journey's view", () => {
  it("puts off the admin's deletion wait when a paid message came during it, saying until when", () => {
    const now = Date.now();
    const input = journeyInput({}, new Date(now - 60 * DAY));
    const reason = `${DELETION_WAIT} → Phone numbers (trash icon), then confirm`;
    const state = {
      ...initialState(input),
      stage: 'REMOVING' as const,
      deletionAllowedAt: now - DAY,
      lastPaidMessageAt: now - HOUR,
      waiting: { for: 'admin' as const, reason, until: null },
    };
    const view = viewOf(input, state, now);
    const until = new Date(now - HOUR + 30 * DAY + HOUR).toISOString();
    expect(view.waiting).toEqual({
      for: 'admin',
      until,
      reason: `not before ${until} (Meta refuses the deletion for 30 days after a paid message, and one came): ${reason}`,
    });
    expect(view.deadlines.deletionAllowedAt).toBe(until);
    // Past it, the wait reads as the journey set it.
    expect(viewOf(input, state, now + 31 * DAY).waiting).toEqual(state.waiting);
  });

  it('is 30 days and an hour after a paid message heard after the wait ended, and the console offers no confirmation', () => {
    const now = Date.now();
    const view = removing(now, now - DAY, now - 2 * DAY + 10 * HOUR);
    expect(view.deadlines.deletionAllowedAt).toBe(new Date(now + 28 * DAY + 11 * HOUR).toISOString());
    expect(formsState(view).split(' ')).toContain('deletion-refused');
  });

  it("is the wait's end when no paid message came after it, and none when neither is known", () => {
    const now = Date.now();
    const paid = now - 40 * DAY;
    expect(removing(now, now - DAY, paid).deadlines.deletionAllowedAt).toBe(new Date(now - DAY).toISOString());
    expect(removing(now, null, null).deadlines.deletionAllowedAt).toBeNull();
    expect(formsState(removing(now, now - DAY, paid))).not.toContain('deletion-refused');
  });

  it("waits, as its view says, until the confirmation is taken: a run from before the hour's margin too", () => {
    const now = Date.now();
    const paid = now - 10 * DAY;
    const blockEnds = paid + 30 * DAY; // such a run's timer: the 30 days alone, the hour waited after it
    const input = journeyInput({}, new Date(now - 60 * DAY));
    const waiting = { for: 'meta' as const, reason: PAID_MESSAGE_BLOCK, until: new Date(blockEnds).toISOString() };
    const state = {
      ...initialState(input),
      stage: 'REMOVING' as const,
      deletionAllowedAt: blockEnds,
      lastPaidMessageAt: paid,
      waiting,
    };
    const view = viewOf(input, state, now);
    expect(view.waiting?.until).toBe(new Date(blockEnds + HOUR).toISOString());
    expect(view.waiting?.until).toBe(view.deadlines.deletionAllowedAt);
    // Another wait keeps its own end.
    const other = { ...waiting, reason: 'a portfolio admin must delete the number' };
    expect(viewOf(input, { ...state, waiting: other }, now).waiting?.until).toBe(other.until);
  });
});
