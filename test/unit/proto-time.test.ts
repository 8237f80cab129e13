import { describe, expect, it } from 'vitest';
import { protoDate, protoTimeMs } from '../../src/temporal/proto-time.js';

// protobufjs gives int64 seconds as a Long, which prints as its decimal digits.
const long = (n: number) => ({ toString: () => String(n) });

describe('protobuf times as Temporal gives them back', () => {
  it('reads seconds as a Long or a number, with the nanos to the millisecond', () => {
    expect(protoTimeMs({ seconds: long(1_765_000_000), nanos: 123_999_999 })).toBe(1_765_000_000_123);
    expect(protoTimeMs({ seconds: 90 })).toBe(90_000);
    expect(protoDate({ seconds: long(1_765_000_000), nanos: 5_000_000 })?.toISOString()).toBe(
      '2025-12-06T05:46:40.005Z',
    );
  });

  it('reads an absent time as 0 milliseconds and no date, and an unset one (no seconds) as no date', () => {
    expect(protoTimeMs(null)).toBe(0);
    expect(protoTimeMs(undefined)).toBe(0);
    expect(protoDate(null)).toBeNull();
    expect(protoDate({ seconds: null, nanos: 0 })).toBeNull();
    expect(protoDate({ seconds: 0 })).toBeNull();
    expect(protoDate({ seconds: long(0), nanos: 0 })).toBeNull(); // a Long of 0 is an object, truthy
  });
});
