// A live run continues as new carrying its state; a state carried from an older version lacks the fields that version
// did not keep. upgradeCarried fills each where the state enters the Journey, as every read of it did before.
import { describe, expect, it } from 'vitest';
import {
  initialState,
  numberPinOf,
  upgradeCarried,
  viewOf,
  type CarriedState,
  type JourneyState,
} from '../../src/workflows/journey/state.js';
import { journeyInput } from '../support/journeys.js';

const input = journeyInput({});

/** A live state as this version carries it. */
function liveState(): JourneyState {
  return {
    ...initialState(input),
    stage: 'LIVE',
    wentLive: true,
    registered: true,
    phoneNumberId: '101',
    pin: '135790',
  };
}

/** The same state as the version before any of the fields was kept carried it. */
function carriedFromBefore(): CarriedState {
  const {
    stagesEntered: _stages,
    pinAccepted: _pinAccepted,
    codeRefusal: _codeRefusal,
    codeUnconfirmed: _codeUnconfirmed,
    nameChangesAt: _nameChangesAt,
    stoppedByMeta: _stoppedByMeta,
    quality: _quality,
    identityCheck: _identityCheck,
    restrictionsActedOn: _restrictionsActedOn,
    ...older
  } = liveState();
  return older;
}

describe('a state carried from an older version', () => {
  it('gets every field it lacks, with the default its reads gave it', () => {
    const before = Date.now();
    const upgraded = upgradeCarried(carriedFromBefore());
    const { stagesEntered, ...rest } = upgraded;
    expect(stagesEntered).toHaveLength(1);
    expect(stagesEntered[0]?.stage).toBe('LIVE');
    expect(Date.parse(stagesEntered[0]?.at ?? '')).toBeGreaterThanOrEqual(before);
    // A run from before pinAccepted was carried live: registered with its PIN.
    expect(rest).toEqual({ ...liveState(), stagesEntered: undefined, pinAccepted: true });
    expect(numberPinOf(upgraded)).toBe('135790');
  });

  it('shows the view a state of this version shows', () => {
    const now = Date.now();
    const upgraded = upgradeCarried(carriedFromBefore());
    const current = { ...liveState(), pinAccepted: true, stagesEntered: upgraded.stagesEntered };
    const view = viewOf(input, upgraded, now);
    expect(view).toEqual(viewOf(input, current, now));
    expect(view).toMatchObject({ stoppedByMeta: null, quality: null, identityCheck: 'off', pinSet: true });
  });

  it('keeps what it carries', () => {
    const carried = {
      ...liveState(),
      pinAccepted: false,
      identityCheck: true,
      nameChangesAt: [1],
      restrictionsActedOn: ['x'],
      quality: { event: 'FLAGGED', limit: null, at: '2026-12-07T10:00:00.000Z' },
    };
    expect(upgradeCarried(carried)).toEqual(carried);
    expect(numberPinOf(upgradeCarried(carried))).toBeNull();
  });
});
