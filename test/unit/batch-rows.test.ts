import { describe, expect, it } from 'vitest';
import { checkRows } from '../../src/journeys/index.js';

const row = (line: number, fields: Record<string, unknown>) => ({
  line,
  fields: { wabaId: '1', portfolioId: '2', displayName: 'Acme Shop', ...fields },
});

describe('the rows of a bulk start', () => {
  it('makes both rows of a number bad when one is also bad for another field, naming both lines', () => {
    const { good, bad } = checkRows(
      [
        row(2, { phoneNumber: '+14155550710' }),
        row(3, { phoneNumber: '+1 415 555 0710', displayName: '' }),
        row(4, { phoneNumber: '+14155550711' }),
        row(5, { phoneNumber: 'not a number' }),
        // Meta's test numbers, one of them bad for its name too.
        row(6, { phoneNumber: '+15550001234', phoneNumberId: '106540352242922' }),
        row(7, { phoneNumber: '+15550001234', phoneNumberId: '106540352242922', displayName: '' }),
      ],
      'ops@acme',
    );
    expect(good.map((r) => r.line)).toEqual([4]);
    const twice = 'phoneNumber: +14155550710 is on more than one row (lines 2, 3)';
    expect(bad.find((r) => r.line === 2)?.problems).toEqual([twice]);
    expect(bad.find((r) => r.line === 3)?.problems).toEqual([expect.stringMatching(/^displayName: /), twice]);
    expect(bad.find((r) => r.line === 5)?.problems).toHaveLength(1); // its own problem, no duplicate
    expect(bad.find((r) => r.line === 6)?.problems).toEqual([
      'phoneNumber: +15550001234 is on more than one row (lines 6, 7)',
    ]);
  });

  it('keys a row by the row as written, as before; its hash takes the signup time as an instant', () => {
    const rowAt = (signupAt: string) =>
      checkRows([row(2, { phoneNumber: '+14155550712', signupAt })], 'ops@acme', {
        now: new Date('2026-12-06T21:00:00Z'),
      }).good[0];
    const [plain, millis, offset] = [
      '2026-12-06T20:00:00Z',
      '2026-12-06T20:00:00.000Z',
      '2026-12-07T01:30:00+05:30',
    ].map(rowAt);
    // A file imported before this change finds its journeys under the same keys.
    expect(new Set([plain, millis, offset].map((r) => r?.idempotencyKey)).size).toBe(3);
    expect(plain?.idempotencyKey).toBe(`batch:${plain?.requestHash.slice(0, 48)}`);
    expect(millis?.idempotencyKey).toBe(`batch:${millis?.requestHashesBefore?.[0]?.slice(0, 48)}`);
    // One instant, one request: a journey started under one is the same request under another's memo.
    expect(new Set([plain, millis, offset].map((r) => r?.requestHash)).size).toBe(1);
  });
});
