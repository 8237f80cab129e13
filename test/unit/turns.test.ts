// Turns per key (src/activities/turns.ts), as the slot asks to one portfolio take them: a few calls at once per key,
// the others in order, none made once its deadline has passed. Calls are gated by hand; the only timers are the
// deadlines under test, and no assertion is on time.
import { describe, expect, it } from 'vitest';
import { TurnMissed, turnsPerKey } from '../../src/activities/turns.js';
import { gated, gates, settle } from '../support/gates.js';

const far = () => Date.now() + 60_000;

describe('turns per key', () => {
  it('runs a few calls of a key at once and the others in order, each key on its own', async () => {
    const turns = turnsPerKey(2);
    const log: string[] = [];
    const [a1, a2, a3, a4, b1] = gates(log, 'a1', 'a2', 'a3', 'a4', 'b1');
    const runs = [a1, a2, a3, a4].map((g) => turns.run('a', far(), g.task));
    const other = turns.run('b', far(), b1.task);
    await settle();
    expect(log).toEqual(['a1 started', 'a2 started', 'b1 started']); // b is not behind a's calls
    a2.open();
    await settle();
    expect(log.slice(3)).toEqual(['a2 ended', 'a3 started']); // the oldest waiting call, not a4
    for (const g of [a1, a3, a4, b1]) g.open();
    await Promise.all([...runs, other]);
    expect(log.filter((line) => line.endsWith('ended'))).toHaveLength(5);
    expect(turns.size).toBe(0); // idle keys are dropped
  });

  it('frees the turn of a call that failed', async () => {
    const turns = turnsPerKey(1);
    await expect(turns.run('a', far(), () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    await expect(turns.run('a', far(), () => Promise.resolve('next'))).resolves.toBe('next');
    expect(turns.size).toBe(0);
  });

  it('gives up at its deadline on a turn that has not come, and never makes that call', async () => {
    const turns = turnsPerKey(1);
    const log: string[] = [];
    const ahead = gated(log, 'ahead');
    const running = turns.run('a', far(), ahead.task);
    await expect(turns.run('a', Date.now() + 50, async () => void log.push('late'))).rejects.toBeInstanceOf(TurnMissed);
    expect(turns.size).toBe(1); // the one ahead is still under way
    ahead.open();
    await running;
    await settle();
    expect(log).toEqual(['ahead started', 'ahead ended']);
    expect(turns.size).toBe(0);
  });

  it('does not start a call with less than minLeftMs of its deadline left', async () => {
    const turns = turnsPerKey(1, 1_000);
    const log: string[] = [];
    await expect(turns.run('a', Date.now() + 500, async () => void log.push('short'))).rejects.toBeInstanceOf(
      TurnMissed,
    );
    expect(log).toEqual([]);
  });

  it('gives up on a waiting call once its turn would leave less than minLeftMs, before its deadline', async () => {
    const turns = turnsPerKey(1, 60_000);
    const log: string[] = [];
    const ahead = gated(log, 'ahead');
    const running = turns.run('a', far() + 60_000, ahead.task);
    // Its deadline is a minute and 50 ms away: waiting for it would outlast the test's own time limit.
    const behind = turns.run('a', Date.now() + 60_050, async () => void log.push('behind'));
    await expect(behind).rejects.toBeInstanceOf(TurnMissed);
    ahead.open();
    await running;
    await settle();
    expect(log).toEqual(['ahead started', 'ahead ended']);
  });

  it('lets a call under way finish past its deadline, with its own answer', async () => {
    const turns = turnsPerKey(1);
    const log: string[] = [];
    const slow = gated(log, 'slow');
    const deadline = Date.now() + 20;
    const answer = turns.run('a', deadline, async () => {
      await slow.task();
      return 'answered';
    });
    while (Date.now() <= deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    slow.open();
    await expect(answer).resolves.toBe('answered');
  });

  it('refuses a limit that is not a positive integer, and a deadline that is no time', () => {
    expect(() => turnsPerKey(0)).toThrow(RangeError);
    expect(() => turnsPerKey(1.5)).toThrow(RangeError);
    expect(() => turnsPerKey(1).run('a', Number.NaN, () => Promise.resolve())).toThrow(RangeError);
  });
});
