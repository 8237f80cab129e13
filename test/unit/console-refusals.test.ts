// Which field of a console form a refusal marks invalid: only one the refusal is about.
import { describe, expect, it } from 'vitest';
import { journeyActions } from '../../src/http/api/actions.js';
import { refusedField } from '../../src/http/console/routes/journey.js';

describe("a refused form's field", () => {
  it('is marked when the journey refused what was typed in it', () => {
    expect(refusedField(journeyActions.otp, 200, 'code wrong, 2 attempts left')).toBe('code');
    expect(refusedField(journeyActions.pin, 200, 'PIN wrong')).toBe('pin');
    expect(refusedField(journeyActions.displayName, 200, 'Submitting the display name failed: Meta 131009')).toBe(
      'displayName',
    );
    expect(refusedField(journeyActions.displayName, 409, 'the display name must be at least 3 characters')).toBe(
      'displayName',
    );
    expect(refusedField(journeyActions.displayName, 409, 'Meta rejected "Acme": submit another name')).toBe(
      'displayName',
    );
  });

  it('is not marked when the refusal is about something else: the stage, a limit, Meta', () => {
    expect(refusedField(journeyActions.resend, 200, 'the code was requested 5 times')).toBeUndefined();
    expect(refusedField(journeyActions.testMessage, 200, 'the test message failed: Meta 130429')).toBeUndefined();
    expect(refusedField(journeyActions.cancel, 409, 'a live number is removed, not cancelled')).toBeUndefined();
    expect(refusedField(journeyActions.displayName, 409, 'a display-name change is already under way')).toBeUndefined();
    expect(refusedField(journeyActions.otp, 409, 'not waiting for a code (stage ADDING)')).toBeUndefined();
  });
});
