// A reconciliation that cannot do its work says so when that begins, not every hour: the portfolio keeps 50 notes, and
// an hourly one would push every other out within two days.
import { describe, expect, it } from 'vitest';
import type { ReconcileReport } from '../../src/domain/portfolio.js';
import { PortfolioBook } from '../../src/workflows/portfolio/book.js';

const report = (unread: string[]): ReconcileReport => ({
  free: [],
  registeredWithoutJourney: [],
  goneFromQueue: [],
  unread: unread.map((wabaId) => ({ wabaId, why: `Meta error 190 (Session has expired at ${Date.now()})` })),
});

describe("a reconciliation's notes", () => {
  it("notes an admin's request with who and why, and nothing for one sent by hand without them", () => {
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 3, capSource: 'admin' });
    book.reconcileAskedBy({ actor: 'ann@acme', reason: 'numbers deleted in WhatsApp Manager' });
    // `temporal workflow signal --name reconcile` with no input, or with something else: not noted, still reconciled.
    book.reconcileAskedBy(undefined);
    book.reconcileAskedBy({ actor: 7, reason: null } as unknown as { actor: string; reason: string });
    book.reconcileAskedBy({ actor: '', reason: 'nobody' });
    expect(book.state.notes.map((n) => n.what)).toEqual([
      'ann@acme asked for a reconciliation now: numbers deleted in WhatsApp Manager',
    ]);
  });

  it('notes a WABA Meta refuses to show once, whatever the message, until it can be read again', () => {
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 3, capSource: 'admin' });
    const notes = () => book.state.notes.map((n) => n.what);
    for (let hour = 0; hour < 5; hour++) book.applyReconciliation(report(['101', '202']), new Map());
    expect(notes().filter((n) => n.startsWith('could not read the numbers of WABA'))).toHaveLength(2);
    book.applyReconciliation(report([]), new Map()); // both read again
    book.applyReconciliation(report(['101']), new Map());
    expect(notes().filter((n) => n.startsWith('could not read the numbers of WABA 101'))).toHaveLength(2);
  });

  it("gives a slot counted without a journey to the number's running journey, once, when it was checked so", () => {
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 3, capSource: 'admin', preregistered: ['+14155550101'] });
    const found = {
      ...report([]),
      journeysFound: [{ e164: '+14155550101', workflowId: 'number:+14155550101', runId: 'r-7', wabaId: '555' }],
    };
    book.applyReconciliation(found, new Map([['+14155550102', null]])); // not the holder checked: left
    expect(book.state.holders[0]).toMatchObject({ workflowId: null, runId: null });
    book.applyReconciliation(found, new Map([['+14155550101', null]]));
    book.applyReconciliation(found, new Map([['+14155550101', 'r-7']])); // attached already: nothing more
    expect(book.state.holders[0]).toMatchObject({ workflowId: 'number:+14155550101', runId: 'r-7', wabaId: '555' });
    expect(book.state.notes.map((n) => n.what).filter((n) => n.includes('running journey holds its slot'))).toEqual([
      "+14155550101's running journey holds its slot (it was counted as registered without one)",
    ]);
  });

  it('gives no slot to a run that released it while it was looked at', () => {
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 3, capSource: 'admin', preregistered: ['+14155550101'] });
    book.release({ e164: '+14155550199', runId: 'r-8' }); // another number's: only the run is remembered as released
    const found = {
      ...report([]),
      journeysFound: [{ e164: '+14155550101', workflowId: 'number:+14155550101', runId: 'r-8', wabaId: null }],
    };
    book.applyReconciliation(found, new Map([['+14155550101', null]]));
    expect(book.state.holders[0]).toMatchObject({ workflowId: null, runId: null });
  });

  it('notes a failed reconciliation once while it keeps failing, and again after one succeeded', () => {
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 3, capSource: 'admin' });
    const failures = () => book.state.notes.filter((n) => n.what.startsWith('could not reconcile')).length;
    for (let hour = 0; hour < 5; hour++) book.reconciliationFailed(`Graph did not answer at ${hour}`);
    expect(failures()).toBe(1);
    book.applyReconciliation(report([]), new Map());
    book.reconciliationFailed('Graph did not answer');
    expect(failures()).toBe(2);
  });
});
