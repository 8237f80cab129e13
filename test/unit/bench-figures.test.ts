// The benchmark's figures and settings (bench/figures.ts, bench/settings.ts): the ratio and the goal computed in one
// place, the results file's shape, and clear errors for bad counts and names. No timing here: figures are measured
// by `npm run bench` only.
import { afterEach, describe, expect, it } from 'vitest';
import { describeGoal, figure, markdownTable, median, middle, printable, results } from '../../bench/figures.js';
import { countFrom, oddCountFrom, selected } from '../../bench/settings.js';

describe('bench figures', () => {
  it('computes the ratio against the baseline and judges a goal on the ratio', () => {
    const slow = figure('journeys per second', 4, 'journeys/s', { baseline: 10, goal: { of: 'ratio', atLeast: 0.8 } });
    expect(slow).toMatchObject({ value: 4, baseline: 10, ratio: 0.4, met: false });
    const fast = figure('journeys per second', 9, 'journeys/s', { baseline: 10, goal: { of: 'ratio', atLeast: 0.8 } });
    expect(fast).toMatchObject({ ratio: 0.9, met: true });
    const bounded = figure('code over HTTP', 60, 'ms', { baseline: 40, goal: { of: 'ratio', atMost: 1.5 } });
    expect(bounded).toMatchObject({ ratio: 1.5, met: true });
  });

  it('judges a goal on the value, and leaves ratio and verdict empty without baseline or goal', () => {
    expect(figure('events', 65, 'events', { goal: { of: 'value', atMost: 50 } })).toMatchObject({
      ratio: null,
      baseline: null,
      met: false,
    });
    expect(figure('rss', 380, 'MB', { baseline: 200, goal: { of: 'value', atMost: 400 } })).toMatchObject({
      ratio: 1.9,
      met: true,
    });
    expect(figure('start rate', 112.456789, 'starts/s')).toEqual({
      name: 'start rate',
      value: 112.5,
      unit: 'starts/s',
      baseline: null,
      ratio: null,
      goal: null,
      met: null,
    });
  });

  it('refuses what would make a meaningless figure', () => {
    expect(() => figure('x', Number.NaN, 'ms')).toThrow('x: the value NaN is not a number');
    expect(() => figure('x', 1, 'ms', { baseline: 0 })).toThrow('x: the baseline 0 is not a positive number');
    expect(() => figure('x', 1, 'ms', { goal: { of: 'ratio', atMost: 2 } })).toThrow('needs a baseline');
    expect(() => figure('x', 1, 'ms', { baseline: 1, goal: { of: 'ratio' } })).toThrow('exactly one bound');
  });

  it('describes goals and prints a figure with its baseline, ratio and verdict', () => {
    expect(describeGoal({ of: 'ratio', atLeast: 0.8 }, 'journeys/s')).toBe('≥ 0.8×');
    expect(describeGoal({ of: 'value', atMost: 400 }, 'MB')).toBe('≤ 400 MB');
    expect(describeGoal(null, 'MB')).toBe('—');
    const line = printable(
      figure('code', 90, 'ms', { baseline: 45, goal: { of: 'ratio', atMost: 1.5 }, note: 'median' }),
    );
    expect(line).toBe('code: 90 ms vs 45 ms = 2×; goal ≤ 1.5×: NOT met (median)');
  });

  it('tables the figures for the README', () => {
    const table = markdownTable([
      figure('code', 90, 'ms', { baseline: 45, goal: { of: 'ratio', atMost: 1.5 } }),
      figure('start rate', 100, 'starts/s'),
    ]);
    expect(table.split('\n')).toEqual([
      '| figure | value | baseline | ratio | goal | met |',
      '| --- | --- | --- | --- | --- | --- |',
      '| code | 90 ms | 45 ms | 2× | ≤ 1.5× | no |',
      '| start rate | 100 starts/s | — | — | — | — |',
    ]);
  });

  it('writes the machine, the date and the figures', () => {
    const file = results([figure('events', 50, 'events')], new Date('2026-01-02T03:04:05Z'));
    expect(file.date).toBe('2026-01-02T03:04:05.000Z');
    expect(file.machine.cpus).toBeGreaterThan(0);
    expect(file.machine.memory).toMatch(/^\d+ GiB$/);
    expect(file.machine.node).toBe(process.version);
    expect(file.figures).toHaveLength(1);
  });
});

describe('bench settings', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads a count within bounds, or its default', () => {
    delete process.env.BENCH_PARKED;
    expect(countFrom('BENCH_PARKED', 10_000, 100_000)).toBe(10_000);
    process.env.BENCH_PARKED = '250';
    expect(countFrom('BENCH_PARKED', 10_000, 100_000)).toBe(250);
    for (const bad of ['0', '-3', '2.5', 'many', '100001']) {
      process.env.BENCH_PARKED = bad;
      expect(() => countFrom('BENCH_PARKED', 10_000, 100_000)).toThrow(
        `BENCH_PARKED: a whole number from 1 to 100000, not "${bad}"`,
      );
    }
  });

  it('reads an odd count, naming the even one it refuses', () => {
    process.env.BENCH_WEBHOOK_ROUNDS = '5';
    expect(oddCountFrom('BENCH_WEBHOOK_ROUNDS', 3, 11, 'round')).toBe(5);
    process.env.BENCH_WEBHOOK_ROUNDS = '4';
    expect(() => oddCountFrom('BENCH_WEBHOOK_ROUNDS', 3, 11, 'round')).toThrow(
      'BENCH_WEBHOOK_ROUNDS: an odd number, so that one round is the median, not 4',
    );
  });

  it('takes the middle value, or the middle item by a number of its own', () => {
    expect(median([30, 10, 20])).toBe(20);
    expect(median([4, 1, 3, 2])).toBe(3); // of an even count, the upper middle
    expect(middle([{ events: 49 }, { events: 46 }, { events: 47 }], (h) => h.events)).toEqual({ events: 47 });
    expect(() => median([])).toThrow('no median of nothing');
  });

  it('filters by BENCH_ONLY, in the run order, and names an unknown benchmark', () => {
    const names = ['throughput', 'history', 'parked'];
    expect(selected(names, undefined)).toEqual(names);
    expect(selected(names, ' parked, throughput ')).toEqual(['throughput', 'parked']);
    expect(() => selected(names, 'parked,speed')).toThrow(
      'BENCH_ONLY: no benchmark speed (there are throughput, history, parked)',
    );
  });
});
