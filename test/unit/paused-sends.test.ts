// A live number whose sends are paused — Meta stopped it (a partner removed, a WABA disabled) — sends nothing through
// numberflow's own send API either: Meta would refuse it, and the view says sends are paused.
import { describe, expect, it } from 'vitest';
import { NumberNotLiveError, sendRequestOf } from '../../src/identity/live-number.js';
import { initialState, viewOf } from '../../src/workflows/journey/state.js';
import { journeyInput } from '../support/journeys.js';

function liveView(stoppedByMeta: { event: string; detail: string | null; at: string } | null) {
  const input = journeyInput({});
  const state = { ...initialState(input), stage: 'LIVE' as const, wentLive: true, phoneNumberId: '101', stoppedByMeta };
  return viewOf(input, state, Date.now());
}

describe('a send from a live number', () => {
  const message = { to: '15551234567', text: 'hello' };

  it('is refused, saying why, while Meta has stopped the number', () => {
    const stopped = liveView({
      event: 'PARTNER_REMOVED',
      detail: 'PRIMARY_INACTIVITY, by SYSTEM',
      at: '2026-12-07T10:00:00.000Z',
    });
    expect(() => sendRequestOf(stopped, message)).toThrow(NumberNotLiveError);
    expect(() => sendRequestOf(stopped, message)).toThrow(
      `${stopped.e164} cannot send messages: its sends are paused: Meta stopped the number (PARTNER_REMOVED (PRIMARY_INACTIVITY, by SYSTEM) at 2026-12-07T10:00:00.000Z)`,
    );
  });

  it('is refused, saying so, while Meta shows the number BANNED', () => {
    const banned = { ...liveView(null), status: 'BANNED', sendsPaused: true };
    expect(() => sendRequestOf(banned, message)).toThrow(
      `${banned.e164} cannot send messages: its sends are paused: Meta shows it BANNED`,
    );
  });

  it('goes out otherwise', () => {
    expect(sendRequestOf(liveView(null), message)).toMatchObject({ ref: { phoneNumberId: '101' }, ...message });
  });
});
