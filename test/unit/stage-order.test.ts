import { describe, expect, it } from 'vitest';
import { isPastStage } from '../../src/domain/stages.js';

describe("a stage past another in the journey's order (watch --until)", () => {
  it('is a later stage of the walk', () => {
    expect(isPastStage('DISPLAY_NAME_REVIEW', 'AWAITING_CONNECTED')).toBe(true);
    expect(isPastStage('LIVE', 'WAITING_FOR_CAPACITY')).toBe(true);
    expect(isPastStage('AWAITING_OTP', 'AWAITING_OTP')).toBe(false);
    expect(isPastStage('AWAITING_OTP', 'AWAITING_CONNECTED')).toBe(false);
  });

  it('never holds for a removal or an ending, which can follow any stage, nor toward them', () => {
    expect(isPastStage('REMOVING', 'LIVE')).toBe(false);
    expect(isPastStage('CANCELLED', 'AWAITING_OTP')).toBe(false);
    expect(isPastStage('LIVE', 'REMOVING')).toBe(false);
    expect(isPastStage('LIVE', 'REMOVED')).toBe(false);
  });
});
