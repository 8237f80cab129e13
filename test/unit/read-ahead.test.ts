import { describe, expect, it } from 'vitest';
import { readAhead } from '../../src/audit/read-ahead.js';

async function* items(count: number): AsyncGenerator<number> {
  for (let i = 0; i < count; i++) yield i;
}

/** A read that takes longer the earlier its item (the later ones finish first), counting reads under way. */
function slowerFirst(count: number, fail?: number) {
  const under = { now: 0, most: 0, started: [] as number[] };
  const read = async (i: number) => {
    under.started.push(i);
    under.most = Math.max(under.most, ++under.now);
    await new Promise((resolve) => setTimeout(resolve, (count - i) * 3));
    under.now--;
    if (i === fail) throw new Error(`read ${i} failed`);
    return `item ${i}`;
  };
  return { under, read };
}

describe('reading a few items ahead of their consumer', () => {
  it('yields in the order of the source though later reads finish first, with at most `width` under way', async () => {
    const { under, read } = slowerFirst(10);
    const results: string[] = [];
    for await (const result of readAhead(items(10), 4, read)) results.push(result);
    expect(results).toEqual(Array.from({ length: 10 }, (_, i) => `item ${i}`));
    expect(under.most).toBe(4);
  });

  it('yields what came before a failed read, then fails with its error', async () => {
    const { read } = slowerFirst(8, 5);
    const results: string[] = [];
    await expect(
      (async () => {
        for await (const result of readAhead(items(8), 3, read)) results.push(result);
      })(),
    ).rejects.toThrow('read 5 failed');
    expect(results).toEqual(['item 0', 'item 1', 'item 2', 'item 3', 'item 4']);
  });

  it('yields what the source gave before it failed, then fails with its error', async () => {
    async function* failing(): AsyncGenerator<number> {
      yield* items(3);
      throw new Error('visibility went away');
    }
    const { read } = slowerFirst(3);
    const results: string[] = [];
    await expect(
      (async () => {
        for await (const result of readAhead(failing(), 4, read)) results.push(result);
      })(),
    ).rejects.toThrow('visibility went away');
    expect(results).toEqual(['item 0', 'item 1', 'item 2']);
  });

  it('leaves only the reads already started when its consumer stops, a later failure among them unhandled by nobody', async () => {
    const { under, read } = slowerFirst(20, 2);
    let closed = false;
    async function* source(): AsyncGenerator<number> {
      try {
        yield* items(20);
      } finally {
        closed = true;
      }
    }
    for await (const result of readAhead(source(), 4, read)) {
      expect(result).toBe('item 0');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100)); // the reads under way settle (item 2's fails)
    expect(under.started).toEqual([0, 1, 2, 3]);
    expect(closed).toBe(true); // its pages no longer read
    expect(under.now).toBe(0);
  });
});
