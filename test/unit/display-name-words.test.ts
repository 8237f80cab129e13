import { describe, expect, it } from 'vitest';
import { displayNameWords } from '../../src/domain/display-name-words.js';

const words = (stage: string, current: string, pending: string | null, status: string) =>
  displayNameWords({ stage: stage as never, displayName: { current, pending, status } });

describe('how display names read to a person', () => {
  it('keeps a live number’s name approved after a change Meta rejected, naming the change’s outcome', () => {
    expect(words('LIVE', 'Acme, Inc Support', null, 'DECLINED')).toBe(
      '"Acme, Inc Support" APPROVED (the last change: DECLINED)',
    );
    expect(words('LIVE', 'Acme Support', null, 'APPROVED')).toBe('"Acme Support" APPROVED');
  });

  it('gives a name under review its own status, beside the name in effect or the one it replaces', () => {
    expect(words('LIVE', 'Acme Support', 'Acme Help', 'PENDING_REVIEW')).toBe(
      '"Acme Support" APPROVED; "Acme Help" PENDING_REVIEW',
    );
    expect(words('DISPLAY_NAME_REVIEW', 'Acme Old', 'Acme New', 'PENDING_REVIEW')).toBe(
      '"Acme New" PENDING_REVIEW (replacing "Acme Old")',
    );
    expect(words('AWAITING_NEW_NAME', 'Acme Old', null, 'DECLINED')).toBe('"Acme Old" DECLINED');
  });

  it('writes out the controls and direction overrides a name Meta holds may carry, its other letters as they are', () => {
    expect(words('LIVE', 'Acme \u202eazzip\u202c Shop', 'ශ්\u200dරී Lanka', 'PENDING_REVIEW')).toBe(
      '"Acme \\u202eazzip\\u202c Shop" APPROVED; "ශ්\u200dරී Lanka" PENDING_REVIEW',
    );
  });
});
