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
});
