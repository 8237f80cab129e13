// When a worker counts as stuck (src/temporal/stuck-worker.ts), and WORKER_STUCK_AFTER's reading.
import { describe, expect, it } from 'vitest';
import { loadConfig, stuckAfterMs } from '../../src/config.js';
import { stuckQueue } from '../../src/temporal/stuck-worker.js';

const MINUTE = 60_000;

describe('stuckQueue', () => {
  const now = 100 * MINUTE;
  it('takes a queue polled within the bound as polling', () => {
    expect(stuckQueue(new Map([['q', now - 4 * MINUTE]]), 0, now, 5 * MINUTE)).toBeNull();
  });
  it('finds the first queue not polled for longer than the bound', () => {
    const polls = new Map<string, number | null>([
      ['fresh', now - MINUTE],
      ['old', now - 6 * MINUTE],
    ]);
    expect(stuckQueue(polls, 0, now, 5 * MINUTE)).toEqual({ taskQueue: 'old', lastPollMs: now - 6 * MINUTE });
  });
  it('counts a queue the server lists no poll of from the watch start, or the last time it could not read', () => {
    const unlisted = new Map([['q', null]]);
    expect(stuckQueue(unlisted, now - 4 * MINUTE, now, 5 * MINUTE)).toBeNull();
    expect(stuckQueue(unlisted, now - 6 * MINUTE, now, 5 * MINUTE)).toEqual({ taskQueue: 'q', lastPollMs: null });
    // A poll older than the server's return is not held against the worker.
    expect(stuckQueue(new Map([['q', now - 9 * MINUTE]]), now - MINUTE, now, 5 * MINUTE)).toBeNull();
  });
});

describe('WORKER_STUCK_AFTER', () => {
  const read = (value: string | undefined) => loadConfig({ WORKER_STUCK_AFTER: value });
  it('is five minutes unless set, and 0 turns the check off', () => {
    expect(stuckAfterMs(read(undefined))).toBe(5 * MINUTE);
    expect(stuckAfterMs(read('0'))).toBeNull();
    expect(stuckAfterMs(read('0s'))).toBeNull();
    expect(stuckAfterMs(read('150s'))).toBe(150_000);
  });
  it('refuses a bound an idle worker would pass, and what is not a duration', () => {
    expect(() => read('90s')).toThrow(/WORKER_STUCK_AFTER.*at least 2m/);
    expect(() => read('5 minutes')).toThrow(/WORKER_STUCK_AFTER.*a duration like 5m/);
  });
});
