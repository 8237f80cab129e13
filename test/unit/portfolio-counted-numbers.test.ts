// Numbers Meta counts that no slot holds (registered outside numberflow, after the portfolio was seeded): a refusal
// at the cap with fewer slots held than Meta counts stops admissions until a reconciliation has read them; the seeded
// numbers keep their WABA, so that a reconciliation can free them once Meta no longer counts them.
import { describe, expect, it } from 'vitest';
import type { ReconcileReport, SlotRequest } from '../../src/domain/portfolio.js';
import { PortfolioBook } from '../../src/workflows/portfolio/book.js';

const request = (n: number): SlotRequest => ({
  e164: `+1415555${String(2000 + n)}`,
  workflowId: `number:+1415555${String(2000 + n)}`,
  runId: `run-${n}`,
  wabaId: '901',
  registered: false,
});

const empty: ReconcileReport = { free: [], registeredWithoutJourney: [], goneFromQueue: [] };
const notes = (book: PortfolioBook) => book.state.notes.map((n) => n.what);

describe('numbers Meta counts that hold no slot', () => {
  it('lets nobody through after a refusal with fewer slots held than Meta counts, until it has read them', () => {
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 2, capSource: 'meta_webhook' });
    for (const n of [1, 2, 3]) book.request(request(n));
    expect(book.state.holders).toHaveLength(2);
    // Meta holds 2 registered outside numberflow: both adds are refused.
    book.capRefused({ e164: request(1).e164, runId: 'run-1', registered: 2 });
    expect(book.state).toMatchObject({ learning: true, reconcileRequested: true });
    expect(notes(book).at(-1)).toBe(
      'Meta counts 2 registered numbers and the portfolio holds 1 slot: nobody is let through until it has read the numbers Meta counts (registered outside numberflow)',
    );
    book.capRefused({ e164: request(2).e164, runId: 'run-2', registered: 2 });
    expect(book.hasRoomForQueue).toBe(false);
    book.admitFromQueue();
    expect(book.state.holders).toEqual([]);
    expect(book.state.outbox).toEqual([]);
    // The reconciliation reads them: they hold slots, and the queue waits for room.
    const counted: ReconcileReport = {
      ...empty,
      countedWithoutSlot: [
        { e164: '+14155559201', wabaId: '901' },
        { e164: '+14155559202', wabaId: '901' },
      ],
    };
    book.applyReconciliation(counted, new Map());
    expect(book.state.learning).toBe(false);
    expect(book.state.holders).toEqual([
      expect.objectContaining({ e164: '+14155559201', workflowId: null, wabaId: '901' }),
      expect.objectContaining({ e164: '+14155559202', workflowId: null, wabaId: '901' }),
    ]);
    expect(notes(book)).toContain(
      'Meta counts +14155559201 (WABA 901) as registered and no slot held it (registered outside numberflow): it holds one now, without a journey',
    );
    expect(book.state.lastReconciliation?.found).toBe(
      '0 holders checked, 0 freed, 2 counted from Meta, 0 dropped from the queue',
    );
    book.admitFromQueue();
    expect(book.state.queue.map((q) => q.runId)).toEqual(['run-1', 'run-2', 'run-3']);
    // Read twice (a second report, or a journey of it holding it meanwhile): one slot each.
    book.applyReconciliation(counted, new Map());
    expect(book.state.holders).toHaveLength(2);
  });

  it('asks the patch only where it decides, and lets the head through as before without it', () => {
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 2, capSource: 'meta_webhook' });
    for (const n of [1, 2]) book.request(request(n));
    const asked: string[] = [];
    // Meta counts no more than the portfolio holds: no reading, no marker.
    book.capRefused({ e164: request(1).e164, runId: 'run-1', registered: 1 }, undefined, () => (asked.push('x'), true));
    expect(asked).toEqual([]);
    book.capRefused(
      { e164: request(2).e164, runId: 'run-2', registered: 2 },
      undefined,
      () => (asked.push('x'), false),
    );
    expect(asked).toEqual(['x']);
    expect(book.state.learning).toBeUndefined();
    book.admitFromQueue();
    expect(book.state.holders.map((h) => h.runId)).toEqual(['run-1']);
  });

  it('lets admissions go on when the reconciliation cannot run, saying so in its last reading', () => {
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 2, capSource: 'meta_webhook' });
    for (const n of [1, 2]) book.request(request(n));
    book.capRefused({ e164: request(1).e164, runId: 'run-1', registered: 2 });
    book.reconciliationFailed('Graph unreachable');
    expect(book.state.learning).toBe(false);
    expect(book.state.lastReconciliation?.found).toBe('failed: Graph unreachable');
    book.admitFromQueue();
    expect(book.state.holders.map((h) => h.runId)).toEqual(['run-2', 'run-1']);
  });

  it('keeps the WABA of the numbers it was seeded with, and says which holders nothing could check', () => {
    const book = new PortfolioBook({
      portfolioId: 'p-1',
      preregistered: ['+14155559301'],
      preregisteredWabaId: '901',
    });
    expect(book.state.holders[0]).toMatchObject({ e164: '+14155559301', workflowId: null, wabaId: '901' });
    book.applyReconciliation(
      { ...empty, free: ['+14155559301'], unchecked: ['+14155550000'] },
      new Map([['+14155559301', null]]),
    );
    expect(book.state.holders).toEqual([]);
    expect(book.state.lastReconciliation?.found).toBe(
      '1 holder checked, 1 freed, 0 counted from Meta, 0 dropped from the queue, 1 of unknown WABA not checked',
    );
  });

  it('lets admissions go on when nothing waits for the reading, and takes no new number past the head meanwhile', () => {
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 2, capSource: 'meta_webhook' });
    book.request(request(1));
    book.capRefused({ e164: request(1).e164, runId: 'run-1', registered: 2 });
    expect(book.state.learning).toBe(true);
    // A new journey asks meanwhile: it queues behind, not granted past the reading.
    expect(book.request(request(2))).toMatchObject({ granted: false, position: 2 });
    // Both leave before the reconciliation runs: nothing to check, nothing held back.
    book.release({ e164: request(1).e164, runId: 'run-1' });
    book.release({ e164: request(2).e164, runId: 'run-2' });
    book.nothingToReconcile();
    expect(book.state.learning).toBe(false);
    expect(book.request(request(3))?.granted).toBe(true);
  });

  it('ends the wait only with a reconciliation begun while it waited, and counts no number that is queued', () => {
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 2, capSource: 'meta_webhook' });
    for (const n of [1, 2]) book.request(request(n));
    book.capRefused({ e164: request(1).e164, runId: 'run-1', registered: 2 });
    // One begun before the refusal read Meta too early.
    book.applyReconciliation(empty, new Map(), Number.NaN);
    expect(book.state.learning).toBe(true);
    // One begun after it, but before a second refusal (a burst): the second still waits for its own reading.
    const round = book.state.learningRound;
    book.capRefused({ e164: request(2).e164, runId: 'run-2', registered: 2 });
    book.applyReconciliation(empty, new Map(), round);
    expect(book.state.learning).toBe(true);
    book.applyReconciliation(
      { ...empty, countedWithoutSlot: [{ e164: request(1).e164, wabaId: '901' }] },
      new Map(),
      book.state.learningRound,
    );
    expect(book.state.learning).toBe(false);
    expect(book.state.holders).toEqual([]); // the queued run-1 is no stranger
  });
});
