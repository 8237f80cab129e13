// A release frees the slot (or the queue place) of its own journey only, known by the journey's first run: another
// journey of the number (ended, terminated, a release sent by hand or applied again by a reset) leaves it alone.
import { describe, expect, it } from 'vitest';
import type { SlotRequest } from '../../src/domain/portfolio.js';
import { PortfolioBook } from '../../src/workflows/portfolio/book.js';

const e164 = '+14155551001';
const journey = (run: string, firstRunId?: string): SlotRequest => ({
  e164,
  workflowId: `number:${e164}`,
  runId: run,
  wabaId: 'waba-1',
  registered: false,
  ...(firstRunId ? { firstRunId } : {}),
});

/** A book whose cap of 1 is held by another number, so that this number's journeys queue. */
function fullBook(matches: () => boolean = () => true): PortfolioBook {
  const book = new PortfolioBook({ portfolioId: 'p-1', cap: 1, capSource: 'admin' }, matches);
  book.request({ ...journey('other'), e164: '+14155551999' });
  return book;
}

describe("a release, matched to its journey's first run", () => {
  it("gives a terminated journey's queue place to the journey started after it, whose release then frees it", () => {
    const book = fullBook();
    expect(book.request(journey('j1', 'j1'))).toMatchObject({ granted: false, position: 1 });
    // j1 was terminated (no release); j2 asks within the hour, before a reconciliation drops j1's entry.
    expect(book.request(journey('j2', 'j2'))).toMatchObject({ granted: false, position: 1 });
    expect(book.state.queue).toEqual([expect.objectContaining({ runId: 'j2', firstRunId: 'j2' })]);
    book.release({ e164, runId: 'j1', firstRunId: 'j1' }); // late, by hand: not j2's
    expect(book.state.queue).toHaveLength(1);
    book.release({ e164, runId: 'j2', firstRunId: 'j2' });
    expect(book.state.queue).toEqual([]);
  });

  it("keeps a holder's slot on another journey's release, and frees it on its own (a run continued as new too)", () => {
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 2, capSource: 'admin' });
    book.request(journey('j2', 'j2'));
    book.release({ e164, runId: 'j1', firstRunId: 'j1' });
    expect(book.state.holders).toEqual([expect.objectContaining({ e164, runId: 'j2' })]);
    expect(book.state.notes.at(-1)?.what).toBe(
      `ignored a release of ${e164} by another journey of the number (run j1): run j2 holds its slot`,
    );
    book.release({ e164, runId: 'j2-continued', firstRunId: 'j2' });
    expect(book.state.holders).toEqual([]);
  });

  it('frees as before when the run is from before the patch, or a release or holder does not name a first run', () => {
    const before = fullBook(() => false);
    before.request(journey('j1', 'j1'));
    before.release({ e164, runId: 'j0', firstRunId: 'j0' });
    expect(before.state.queue).toEqual([]);
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 2, capSource: 'admin' });
    book.request(journey('j1')); // a journey from before it sent its first run
    book.release({ e164, runId: 'j0', firstRunId: 'j0' });
    expect(book.state.holders).toEqual([]);
  });

  it('keeps the first run through a refusal at the cap, and forgets it when the slot is held by no journey', () => {
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 2, capSource: 'admin' });
    book.request(journey('j1', 'j1'));
    // Meta counting 1 where the portfolio holds none would have it read them first: a run from before that patch.
    book.capRefused({ e164, runId: 'j1', registered: 1 }, undefined, () => false);
    expect(book.state.queue).toEqual([expect.objectContaining({ runId: 'j1', firstRunId: 'j1' })]);
    book.admitFromQueue();
    book.release({ e164, runId: 'j1', firstRunId: 'j1', stillRegistered: true });
    expect(book.state.holders).toEqual([expect.objectContaining({ e164, workflowId: null, runId: null })]);
    expect(book.state.holders[0]).not.toHaveProperty('firstRunId');
  });
});
