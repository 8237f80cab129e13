// Whether a register or deregister that may have reached Meta took: read before such a call is made again.
import { describe, expect, it } from 'vitest';
import { limitedAtMeta, registrationTookEffect, type NumberSnapshot } from '../../src/domain/number.js';

const shown = (status: string, rest: Partial<Extract<NumberSnapshot, { gone: false }>> = {}): NumberSnapshot => ({
  gone: false,
  status,
  codeVerificationStatus: 'VERIFIED',
  nameStatus: 'APPROVED',
  newNameStatus: null,
  verifiedName: 'Acme',
  newDisplayName: null,
  isOnBizApp: false,
  platformType: 'CLOUD_API',
  ...rest,
});

describe('a registration call that may have reached Meta', () => {
  it('took effect for a number Meta shows registered, CONNECTED or limited', () => {
    for (const status of ['CONNECTED', 'FLAGGED', 'RESTRICTED', 'RATE_LIMITED', 'BANNED']) {
      expect(registrationTookEffect('register', shown(status)), status).toBe(true);
      expect(registrationTookEffect('deregister', shown(status)), status).toBe(false);
    }
    for (const status of ['DISCONNECTED', 'UNVERIFIED']) {
      expect(registrationTookEffect('register', shown(status)), status).toBe(false);
      expect(registrationTookEffect('deregister', shown(status)), status).toBe(true);
    }
    expect(registrationTookEffect('deregister', { gone: true })).toBe(true);
  });

  it('took effect for a register applying a name only with the name in effect on a number Meta counts as registered', () => {
    expect(registrationTookEffect('register', shown('CONNECTED', { verifiedName: 'Acme Help' }), 'Acme Help')).toBe(
      true,
    );
    expect(registrationTookEffect('register', shown('CONNECTED'), 'Acme Help')).toBe(false); // the old name still
    // Deregistered since (Meta's cure for 133000), or a declined name replaced before any register: not a register.
    expect(registrationTookEffect('register', shown('DISCONNECTED', { verifiedName: 'Acme Help' }), 'Acme Help')).toBe(
      false,
    );
  });

  it('asks a journey whether a limited number is registered only where Meta shows one, as runs before the patch did not', () => {
    const asked: string[] = [];
    const before = () => (asked.push('asked'), false);
    expect(registrationTookEffect('deregister', shown('FLAGGED'), undefined, before)).toBe(true); // as runs before
    expect(registrationTookEffect('deregister', shown('CONNECTED'), undefined, before)).toBe(false);
    expect(asked).toEqual(['asked']);
    expect([null, undefined, 'PENDING', 'CONNECTED', 'FLAGGED'].map(limitedAtMeta)).toEqual([
      false,
      false,
      false,
      false,
      true,
    ]);
  });
});
