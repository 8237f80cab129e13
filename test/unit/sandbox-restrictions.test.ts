// The sandbox's WABA restrictions end: at the expiration their webhook gave, or, for a state saved before they had
// one, 30 days after the state is loaded.
import { describe, expect, it } from 'vitest';
import { activeRestrictions, dateRestrictions } from '../../src/sandbox/accounts.js';
import type { SandboxCore } from '../../src/sandbox/core.js';
import type { Waba } from '../../src/sandbox/model.js';

const DAY = 86_400_000;

describe('sandbox restrictions', () => {
  it('dates the restrictions of an older state from its loading, and lifts them 30 days on', () => {
    let now = 1_000 * DAY;
    const core = { clock: { now: () => now } } as unknown as SandboxCore;
    const waba: Waba = {
      id: '1',
      portfolioId: '2',
      name: 'w',
      restrictions: ['RESTRICTED_ADD_PHONE_NUMBER_ACTION', 'toString'],
      restrictedUntil: { RESTRICTED_ADD_PHONE_NUMBER_ACTION: now + DAY },
      partnerRemoved: false,
    };
    dateRestrictions(core, waba);
    // The dated one keeps its end; the one without (named as an Object method, to read its own key) gets 30 days.
    expect(waba.restrictedUntil).toEqual({ RESTRICTED_ADD_PHONE_NUMBER_ACTION: now + DAY, toString: now + 30 * DAY });
    expect(activeRestrictions(core, waba)).toEqual(['RESTRICTED_ADD_PHONE_NUMBER_ACTION', 'toString']);
    now += 2 * DAY;
    expect(activeRestrictions(core, waba)).toEqual(['toString']);
    now += 30 * DAY;
    expect(activeRestrictions(core, waba)).toEqual([]);
  });
});
