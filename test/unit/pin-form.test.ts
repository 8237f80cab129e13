// The console's PIN form fits what the journey asks for: a PIN the operator chooses (typed twice), or the one Meta
// holds already (133005); a journey that moves from one to the other within AWAITING_PIN gets the other form live.
import { describe, expect, it } from 'vitest';
import { CHOOSING_PIN } from '../../src/domain/journey.js';
import { choosingPin, formsState } from '../../src/http/console/pages/forms.js';
import { consoleOnly } from '../../src/http/console/routes/journey.js';
import { initialState, viewOf } from '../../src/workflows/journey/state.js';
import { journeyInput } from '../support/journeys.js';

function awaitingPin(reason: string) {
  const input = journeyInput({ pinPolicy: 'operator' });
  const waiting = { for: 'operator' as const, reason, until: new Date(Date.now() + 3_600_000).toISOString() };
  return viewOf(input, { ...initialState(input), stage: 'AWAITING_PIN', waiting }, Date.now());
}

describe("the console's PIN form", () => {
  it('is a chosen PIN for the reason the journey gives when it asks for one, and Meta’s PIN once Meta refuses it', () => {
    const choosing = awaitingPin(CHOOSING_PIN);
    const metaHolds = awaitingPin(
      'two-step verification already holds another PIN (was the number deleted and added again?): an operator must submit the old PIN',
    );
    expect(choosingPin(choosing)).toBe(true);
    expect(choosingPin(metaHolds)).toBe(false);
    // The live page replaces the forms when their state changes: it does between the two, in the same stage.
    expect(formsState(choosing)).toContain('pin-new');
    expect(formsState(metaHolds)).toContain('pin-current');
  });

  it('stays a chosen PIN when the signup window shortens the wait and its reason says so', () => {
    const input = journeyInput({
      pinPolicy: 'operator',
      signupAt: new Date(Date.now() - 13.9 * 86_400_000).toISOString(),
    });
    const waiting = {
      for: 'operator' as const,
      reason: CHOOSING_PIN,
      until: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    };
    const view = viewOf(input, { ...initialState(input), stage: 'AWAITING_PIN', waiting }, Date.now());
    expect(view.waiting?.reason).toContain('the 14-day signup window closes first');
    expect(choosingPin(view)).toBe(true);
  });

  it('is refused, sending nothing, when it is the other form than the journey asks for now', () => {
    const refusedWith = (fields: Record<string, unknown>, choosing: boolean) => {
      const checked = consoleOnly('pin', fields, choosing);
      return 'refused' in checked ? checked.refused.outcome.message : null;
    };
    // A new PIN's form sent once Meta's refusal asks for the PIN it holds (a page from before, no JavaScript).
    expect(refusedWith({ pin: '123456', pinRepeat: '123456' }, false)).toBe(
      'nothing was sent: the journey now asks, in the form below, for the PIN two-step verification holds now, once',
    );
    expect(refusedWith({ pin: '123456' }, true)).toBe(
      'nothing was sent: the journey now asks, in the form below, for a new PIN, typed twice',
    );
    expect(refusedWith({ pin: '123456', pinRepeat: '123465' }, true)).toMatch(/^the two PINs differ/);
    expect(consoleOnly('pin', { pin: '123456', pinRepeat: '123456' }, true)).toEqual({ fields: { pin: '123456' } });
    expect(consoleOnly('pin', { pin: '123456' }, false)).toEqual({ fields: { pin: '123456' } });
  });
});
