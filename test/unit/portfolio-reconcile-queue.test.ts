// A reconciliation that found a queued journey not running drops its entry — not the entry of another journey of the
// same number that queued while the check ran (its place was kept only for holders, checked by run).
import { describe, expect, it } from 'vitest';
import type { ReconcileReport } from '../../src/domain/portfolio.js';
import { PortfolioBook } from '../../src/workflows/portfolio/book.js';

const HOLDER = '+15550000001';
const QUEUED = '+15550000002';

const requestOf = (e164: string, runId: string, startedAt: string) => ({
  e164,
  workflowId: `number:${e164}`,
  runId,
  firstRunId: runId,
  wabaId: 'w1',
  registered: false,
  startedAt,
});

const goneFromQueue: ReconcileReport = { free: [], registeredWithoutJourney: [], goneFromQueue: [QUEUED] };

/** A full portfolio whose queue holds journey a1 of QUEUED when a reconciliation looks at it. */
function lookedAt(): { book: PortfolioBook; runs: Map<string, string> } {
  const book = new PortfolioBook({ portfolioId: 'p1', cap: 1 });
  expect(book.request(requestOf(HOLDER, 'h1', '2026-01-01T00:00:00.000Z'))?.granted).toBe(true);
  expect(book.request(requestOf(QUEUED, 'a1', '2026-01-01T00:01:00.000Z'))).toMatchObject({ position: 1 });
  return { book, runs: new Map(book.state.queue.map((q) => [q.e164, q.runId])) };
}

describe("a reconciliation's finding on the queue", () => {
  it('keeps the place of a journey of the number that queued after the check looked', () => {
    const { book, runs } = lookedAt();
    // a1 is cancelled while the check runs (found not running), and b1, a new journey of the number, queues.
    book.release({ e164: QUEUED, runId: 'a1', firstRunId: 'a1' });
    expect(book.request(requestOf(QUEUED, 'b1', '2026-01-01T00:05:00.000Z'))).toMatchObject({ position: 1 });
    book.applyReconciliation(goneFromQueue, new Map([[HOLDER, 'h1']]), undefined, { runs, keepsRequeued: () => true });
    expect(book.state.queue.map((q) => q.runId)).toEqual(['b1']);
    expect(book.state.notes.map((n) => n.what)).not.toContainEqual(expect.stringMatching(/^dropped/));
  });

  it('drops the journey it found not running, and, in runs from before, the one queued since too', () => {
    const { book, runs } = lookedAt();
    book.applyReconciliation(goneFromQueue, new Map([[HOLDER, 'h1']]), undefined, { runs, keepsRequeued: () => true });
    expect(book.state.queue).toEqual([]);
    expect(book.state.notes.map((n) => n.what)).toContainEqual(
      `dropped ${QUEUED} from the queue: its journey is no longer running`,
    );

    const before = lookedAt();
    before.book.release({ e164: QUEUED, runId: 'a1', firstRunId: 'a1' });
    before.book.request(requestOf(QUEUED, 'b1', '2026-01-01T00:05:00.000Z'));
    const asBefore = { runs: before.runs, keepsRequeued: () => false };
    before.book.applyReconciliation(goneFromQueue, new Map([[HOLDER, 'h1']]), undefined, asBefore);
    expect(before.book.state.queue).toEqual([]);
  });
});
