// A wait the 14-day signup window races shows the window's end: one with no end of its own too (a person's token,
// the portfolio's queue), which would otherwise show none though the journey ends SIGNUP_EXPIRED then (QA: Embedded
// Signup at scale, F1).
import { describe, expect, it } from 'vitest';
import type { JourneyStage } from '../../src/domain/stages.js';
import { initialState, viewOf } from '../../src/workflows/journey/state.js';
import { journeyInput } from '../support/journeys.js';

const DAY = 86_400_000;
const TOKEN_WAIT = 'a working Meta token for WABA 1 is needed: finish Embedded Signup again';

function waitingIn(stage: JourneyStage, extra: { coexistence?: boolean; registered?: boolean } = {}) {
  const now = Date.now();
  const input = journeyInput({ signupAt: new Date(now - DAY).toISOString() }, new Date(now - DAY));
  const state = {
    ...initialState(input),
    stage,
    ...extra,
    waiting: { for: 'admin' as const, reason: TOKEN_WAIT, until: null, since: new Date(now).toISOString() },
  };
  return viewOf(input, state, now);
}

describe('a wait with no end of its own before registration', () => {
  it('ends with the signup window, and says so, in the stages the window races', () => {
    for (const stage of ['WAITING_FOR_CAPACITY', 'VERIFYING_CODE', 'AWAITING_PIN'] as const) {
      const view = waitingIn(stage);
      expect(view.waiting?.until).toBe(view.deadlines.signupExpiresAt);
      expect(view.waiting?.reason).toBe(
        `${TOKEN_WAIT}; but the 14-day signup window closes first, at ${view.deadlines.signupExpiresAt}: the journey then ends SIGNUP_EXPIRED unless the number is registered by then (Embedded Signup again to go on).`,
      );
    }
  });

  it('keeps no end where the window does not race it: a coexistence number, a registered one, a removal', () => {
    expect(waitingIn('WAITING_FOR_CAPACITY', { coexistence: true }).waiting?.until).toBeNull();
    expect(waitingIn('AWAITING_CONNECTED', { registered: true }).waiting?.until).toBeNull();
    expect(waitingIn('REMOVING').waiting?.until).toBeNull();
  });
});
