// The portfolio's cap source says when the cap in force was set: a later update from the same source dates it
// anew, a duplicate delivery of the same cap does not.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PortfolioBook } from '../../src/workflows/portfolio/book.js';

describe("the portfolio's cap source", () => {
  afterEach(() => void vi.useRealTimers());

  it("dates the cap when Meta's update changes it, and keeps the date for a duplicate", () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-12-04T10:00:00Z'));
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 2, capSource: 'default' });
    expect(book.setCap(5)).toBe(true);
    expect(book.state.capSource).toMatchObject({ source: 'meta_webhook', at: '2026-12-04T10:00:00.000Z' });

    vi.setSystemTime(new Date('2026-12-04T11:00:00Z'));
    book.setCap(7); // the same source, a new cap
    expect(book.state).toMatchObject({ cap: 7, capSource: { source: 'meta_webhook', at: '2026-12-04T11:00:00.000Z' } });

    vi.setSystemTime(new Date('2026-12-04T12:00:00Z'));
    book.setCap(7); // Meta delivered the same update again
    expect(book.state.capSource?.at).toBe('2026-12-04T11:00:00.000Z');
  });

  it("keeps an admin's cap when Meta's update repeats the cap it announced last, and names the source of every change", () => {
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 2, capSource: 'default' });
    const notes = () => book.state.notes.map((n) => n.what);
    book.setCap(20); // Meta granted 20
    book.setCap(5, { source: 'admin', actor: 'alice@acme', reason: 'hold at 5 until finance approves more' });
    const asked: string[] = [];
    // A new WABA's webhook carries Meta's 20 unchanged: the admin's hold stays.
    book.setCap(20, {}, () => (asked.push('patch'), true));
    expect(book.state).toMatchObject({ cap: 5, capSource: { source: 'admin', actor: 'alice@acme' } });
    expect(asked).toEqual(['patch']);
    expect(notes().at(-1)).toBe(
      "Meta's business_capability_update repeats its cap of 20: the cap of 5 alice@acme set stays",
    );
    // Meta announces a new cap: it replaces the admin's, saying so.
    book.setCap(50, {}, () => (asked.push('patch'), true));
    expect(book.state.cap).toBe(50);
    expect(asked).toEqual(['patch']); // asked only where it decides
    expect(notes().at(-1)).toBe(
      "the cap is now 50 registered numbers (Meta's business_capability_update; it replaces the 5 alice@acme set)",
    );
    book.setCap(20, { source: 'meta_refusal', reason: 'Meta refused to add +14155550101 at 20' });
    expect(notes().at(-1)).toBe(
      'the cap is now 20 registered numbers (lowered: Meta refused to add +14155550101 at 20)',
    );
    // Every change kept apart from the notes, a burst of which would push it out: to what, from where, by whom, why.
    expect(book.state.capChanges?.map((c) => [c.cap, c.source, c.actor, c.reason])).toEqual([
      [20, 'meta_webhook', null, null],
      [5, 'admin', 'alice@acme', 'hold at 5 until finance approves more'],
      [50, 'meta_webhook', null, null],
      [20, 'meta_refusal', null, 'Meta refused to add +14155550101 at 20'],
    ]);
  });

  it('keeps a higher cap Meta gave after a refusal the journey had before it, and lowers it for one had after', () => {
    vi.useFakeTimers();
    const at = (seconds: number) => new Date(Date.parse('2026-12-07T00:05:00Z') + seconds * 1000);
    vi.setSystemTime(at(0));
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 2, capSource: 'default' });
    book.setCap(2); // Meta's cap at the start
    // The refusal of one journey, had at 25.42 s, reaches the portfolio after Meta's raise to 4, taken at 25.54 s.
    vi.setSystemTime(at(25.54));
    book.setCap(4, { at: at(25.5).toISOString() });
    vi.setSystemTime(at(25.56));
    const asked: string[] = [];
    const keeps = (e164: string) => () => (asked.push(e164), true);
    const early = { e164: '+14155550703', runId: 'r-703', registered: 2, at: at(25.42).toISOString() };
    // A run from before the patch lowers it, as it did.
    const before = new PortfolioBook({ portfolioId: 'p-2', cap: 2, capSource: 'default' });
    before.setCap(4, { at: at(25.5).toISOString() });
    vi.setSystemTime(at(25.56));
    before.capRefused(early, undefined, undefined, () => false);
    expect(before.state.cap).toBe(2);
    book.capRefused(early, undefined, undefined, keeps(early.e164));
    expect(book.state.cap).toBe(4);
    expect(asked).toEqual([early.e164]);
    expect(book.state.notes.at(-1)?.what).toBe(
      "Meta's refusal of +14155550703 at 2 came before its cap of 4 (taken at 2026-12-07T00:05:25.540Z): the cap stays 4",
    );
    // The same with the slot's release of a journey that ended at the refusal.
    book.release({ e164: '+14155550704', capRefusedAt: 2, capRefusedWhen: at(25.4).toISOString() });
    expect(book.state.cap).toBe(4);
    // A refusal had after Meta's cap was taken: Meta lowered it since (its webhook yet to come).
    book.capRefused(
      { e164: '+14155550705', runId: 'r-705', registered: 3, at: at(26).toISOString() },
      undefined,
      undefined,
      keeps('+14155550705'),
    );
    expect(book.state.cap).toBe(3);
    expect(asked).toEqual([early.e164]); // asked only where it decides
    // A journey from before that says not when: lowered, as before.
    book.capRefused({ e164: '+14155550706', runId: 'r-706', registered: 2 });
    expect(book.state.cap).toBe(2);
  });

  it("takes Meta's repeated cap over an admin's in a run from before the patch", () => {
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 2, capSource: 'default' });
    book.setCap(20);
    book.setCap(5, { source: 'admin', actor: 'alice@acme' });
    book.setCap(20, {}, () => false);
    expect(book.state.cap).toBe(20);
  });

  it("keeps an admin's hold on a cap learnt from Meta at the start, before any webhook came", () => {
    // Started by a journey: the cap read from the business's verification; no webhook since.
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 20, capSource: 'business_verification' });
    book.setCap(5, { source: 'admin', actor: 'alice@acme', reason: 'hold' });
    book.setCap(20); // a new WABA's webhook repeats Meta's 20
    expect(book.state.cap).toBe(5);
    // A running portfolio from before (no metaCap): the cap an admin replaces is taken as Meta's.
    const older = new PortfolioBook({ portfolioId: 'p-2', cap: 2, capSource: 'default' });
    older.setCap(20);
    delete older.state.metaCap;
    older.setCap(5, { source: 'admin', actor: 'alice@acme' });
    older.setCap(20);
    expect(older.state.cap).toBe(5);
  });

  it("lets Meta's repeated cap correct an admin's cap set above it", () => {
    const book = new PortfolioBook({ portfolioId: 'p-1', cap: 2, capSource: 'meta_webhook' });
    book.setCap(20, { source: 'admin', actor: 'alice@acme', reason: 'a guess' });
    book.setCap(2); // Meta repeats its 2: the head of the queue would only be refused above it
    expect(book.state.cap).toBe(2);
  });

  it("orders Meta's caps by the times Meta sent them, never by a cap numberflow read from the verification", () => {
    const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();
    // Read from the business's verification when the portfolio started: a webhook Meta sent before still counts.
    const read = new PortfolioBook({ portfolioId: 'p-1', cap: 20, capSource: 'business_verification' });
    const tenMinutesAgo = minutesAgo(10);
    read.setCap(50, { source: 'meta', at: tenMinutesAgo });
    expect(read.state).toMatchObject({ cap: 50, metaCap: 50, metaCapAt: tenMinutesAgo });
    // Started by Meta's webhook: one Meta sent a day before it, of another cap, is a late delivery.
    const sent = new PortfolioBook({ portfolioId: 'p-2', cap: 20, capSource: 'meta_webhook', capAt: minutesAgo(5) });
    const asked: string[] = [];
    sent.setCap(2, { source: 'meta', at: minutesAgo(24 * 60) }, undefined, () => asked.push('late') > 0);
    expect(sent.state.cap).toBe(20);
    expect(asked).toEqual(['late']);
    expect(sent.state.notes.at(-1)?.what).toMatch(/^ignored Meta's business_capability_update of 2 sent at /);
    // Sent 30 seconds before the cap Meta gave last: both dates are Meta's, so it is as late.
    const nearly: string[] = [];
    const lastAt = Date.parse(sent.state.metaCapAt ?? '');
    const justBefore = new Date(lastAt - 30_000).toISOString();
    sent.setCap(3, { source: 'meta', at: justBefore }, undefined, undefined, () => nearly.push('within') > 0);
    expect(sent.state.cap).toBe(20);
    expect(nearly).toEqual(['within']);
    // The second patch is asked only for such a cap: not for a late one, one sent later, the same second, or undated.
    const never = () => {
      throw new Error('asked');
    };
    const book = new PortfolioBook({ portfolioId: 'p-3', cap: 20, capSource: 'meta_webhook', capAt: minutesAgo(5) });
    const at = Date.parse(book.state.metaCapAt ?? '');
    const cases = [
      [2, minutesAgo(24 * 60)], // late: ignored, by the first patch
      [3, new Date(at).toISOString()], // the same second: taken
      [4, new Date(at + 1_000).toISOString()], // later: taken
      [5, undefined], // undated: taken
    ] as const;
    for (const [cap, when] of cases) book.setCap(cap, { source: 'meta', at: when }, undefined, () => true, never);
    expect(book.state.cap).toBe(5);
    // Runs from before the patch took it.
    sent.setCap(3, { source: 'meta', at: justBefore }, undefined, undefined, () => false);
    expect(sent.state.cap).toBe(3);
    // A cap Meta did not date (an undated delivery) moves no date.
    sent.setCap(30, { source: 'meta' });
    expect(sent.state).toMatchObject({ cap: 30, metaCapAt: sent.state.metaCapAt });
  });
});
