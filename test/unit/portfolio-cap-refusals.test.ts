// Journeys Meta refuses at its cap (200000) go back to the head of the portfolio's queue. Several refused at once
// wait in the order the portfolio let them through, ahead of the journeys that never held a slot; each went first
// before, so three refused at once waited in reverse.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SlotRequest } from '../../src/domain/portfolio.js';
import { PortfolioBook } from '../../src/workflows/portfolio/book.js';

const request = (n: number): SlotRequest => ({
  e164: `+1415555${String(1000 + n)}`,
  workflowId: `number:+1415555${String(1000 + n)}`,
  runId: `run-${n}`,
  wabaId: 'waba-1',
  registered: false,
});

/** A book whose cap of 3 was let through by a, b and c (in that order, a minute apart), with d and e queued. */
function fullBook(sameTask = false): PortfolioBook {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-12-04T10:00:00Z'));
  const book = new PortfolioBook({ portfolioId: 'p-1', cap: 3, capSource: 'admin' });
  for (const n of [1, 2, 3, 4, 5]) {
    expect(book.request(request(n))?.granted).toBe(n <= 3);
    if (!sameTask) vi.advanceTimersByTime(60_000);
  }
  return book;
}

const queued = (book: PortfolioBook) => book.state.queue.map((q) => q.runId);

describe("Meta's refusals at the cap, in the portfolio's queue", () => {
  afterEach(() => void vi.useRealTimers());

  it('puts several refused holders first, in the order they got their slots, whatever order Meta answered in', () => {
    const book = fullBook();
    const asked: string[] = [];
    const keepsOrder = () => (asked.push('patch'), true);
    book.capRefused({ e164: request(2).e164, runId: 'run-2', registered: 0 }, keepsOrder);
    expect(asked).toEqual([]); // first: the same place as before, no marker
    book.capRefused({ e164: request(1).e164, runId: 'run-1', registered: 0 }, keepsOrder);
    book.capRefused({ e164: request(3).e164, runId: 'run-3', registered: 0 }, keepsOrder);
    expect(queued(book)).toEqual(['run-1', 'run-2', 'run-3', 'run-4', 'run-5']);
    expect(asked).toEqual(['patch']); // run-1 went first, where it would have before; run-3 behind two
    expect(book.state.queue.slice(0, 3).map((q) => q.heldSince)).toEqual([
      '2026-12-04T10:00:00.000Z',
      '2026-12-04T10:01:00.000Z',
      '2026-12-04T10:02:00.000Z',
    ]);
    expect(book.state.queue[3]?.heldSince).toBeUndefined();
    expect(book.state.notes.at(-1)?.what).toBe(
      `Meta refused to add ${request(3).e164} (200000) with 0 numbers registered: it waits at the head of the queue, behind the 2 refused there that got their slot before it`,
    );
    // Room again (the cap of 3, none held): the refused go through first, in that order.
    book.admitFromQueue();
    expect(book.state.holders.map((h) => h.runId)).toEqual(['run-1', 'run-2', 'run-3']);
    expect(queued(book)).toEqual(['run-4', 'run-5']);
  });

  it('orders holders let through in one workflow task (the same time) by their admission numbers', () => {
    const book = fullBook(true);
    for (const n of [3, 1, 2]) book.capRefused({ e164: request(n).e164, runId: `run-${n}`, registered: 0 });
    expect(queued(book)).toEqual(['run-1', 'run-2', 'run-3', 'run-4', 'run-5']);
    expect(book.state.queue.slice(0, 3).map((q) => q.admission)).toEqual([1, 2, 3]);
  });

  it('orders by the time held where an entry has no admission number (a portfolio from before they were kept)', () => {
    const book = fullBook();
    for (const holder of book.state.holders) delete holder.admission;
    for (const n of [2, 1, 3]) book.capRefused({ e164: request(n).e164, runId: `run-${n}`, registered: 0 });
    expect(queued(book)).toEqual(['run-1', 'run-2', 'run-3', 'run-4', 'run-5']);
  });

  it('puts each refused holder first in a run from before the change (its patch not taken)', () => {
    const book = fullBook();
    for (const n of [1, 2, 3])
      book.capRefused({ e164: request(n).e164, runId: `run-${n}`, registered: 0 }, () => false);
    expect(queued(book)).toEqual(['run-3', 'run-2', 'run-1', 'run-4', 'run-5']);
    expect(book.state.notes.at(-1)?.what).toContain('it waits at the head of the queue');
  });
});
