// The queue is in the order the journeys started, not in that of their asks: a bulk import's rows ask for a slot in
// the order the worker takes their first tasks, up to minutes apart (found by the bulk-intake check: a row waited 142
// places behind rows later in its file).
import { describe, expect, it } from 'vitest';
import type { SlotRequest } from '../../src/domain/portfolio.js';
import { PortfolioBook } from '../../src/workflows/portfolio/book.js';

const at = (minute: number) => new Date(Date.UTC(2026, 11, 7, 13, minute)).toISOString();
const ask = (n: number, startedAt?: string): SlotRequest => ({
  e164: `+1415555${String(1000 + n)}`,
  workflowId: `number:+1415555${String(1000 + n)}`,
  runId: `run-${n}`,
  wabaId: 'waba-1',
  registered: false,
  ...(startedAt !== undefined ? { startedAt } : {}),
});
const queued = (book: PortfolioBook) => book.state.queue.map((q) => q.runId);

/** A book whose cap of 1 is held, so that every ask queues. */
function fullBook(): PortfolioBook {
  const book = new PortfolioBook({ portfolioId: 'p-1', cap: 1, capSource: 'admin' });
  book.request(ask(0, at(0)));
  return book;
}

describe("the portfolio's queue, in the order its journeys started", () => {
  it('puts a journey that asks late ahead of those that started after it, and answers its place', () => {
    const book = fullBook();
    expect(book.request(ask(3, at(3)))).toMatchObject({ granted: false, position: 1 });
    expect(book.request(ask(4, at(4)))).toMatchObject({ granted: false, position: 2 });
    // Started first, its first task ran last.
    expect(book.request(ask(1, at(1)))).toMatchObject({ granted: false, position: 1 });
    expect(book.request(ask(2, at(2)))).toMatchObject({ granted: false, position: 2 });
    expect(queued(book)).toEqual(['run-1', 'run-2', 'run-3', 'run-4']);
    // Asked again, each keeps its place; the slot freed goes to the one that started first.
    expect(book.request(ask(3, at(3)))).toMatchObject({ granted: false, position: 3 });
    book.release({ e164: ask(0).e164, runId: 'run-0' });
    book.admitFromQueue();
    expect(book.state.holders.map((h) => h.runId)).toEqual(['run-1']);
  });

  it('keeps the order of asks for journeys started at the same time, and behind one that said no start', () => {
    const book = fullBook();
    book.request(ask(1, at(5)));
    book.request(ask(2)); // a journey from before the field: its place is kept
    book.request(ask(3, at(5)));
    book.request(ask(4, at(1)));
    expect(queued(book)).toEqual(['run-1', 'run-2', 'run-4', 'run-3']);
  });

  it("never passes a journey back at the queue's head from Meta's refusal at the cap", () => {
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 1, capSource: 'admin' });
    book.request(ask(5, at(5)));
    book.capRefused({ e164: ask(5).e164, runId: 'run-5', registered: 1 });
    book.request(ask(1, at(1)));
    expect(queued(book)).toEqual(['run-5', 'run-1']);
  });

  it('reads a start sent by hand in another form as the same time, and one that is no time as none', () => {
    const book = fullBook();
    book.request(ask(2, at(2)));
    book.request({ ...ask(1), startedAt: '2026-12-07T13:01:00Z' });
    book.request({ ...ask(3), startedAt: 'yesterday' });
    expect(book.state.queue.map((q) => [q.runId, q.startedAt])).toEqual([
      ['run-1', at(1)],
      ['run-2', at(2)],
      ['run-3', undefined],
    ]);
  });

  it('queues in the order of the asks in a run from before the patch', () => {
    const book = fullBook();
    const before = () => false;
    book.request(ask(2, at(2)), before);
    book.request(ask(1, at(1)), before);
    expect(queued(book)).toEqual(['run-2', 'run-1']);
  });
});
