import { describe, expect, it } from 'vitest';
import { portfolioRunsQuery } from '../../src/audit/runs.js';
import { exportTimeSchema } from '../../src/audit/types.js';

describe("an export's bound in time", () => {
  it('takes a date (midnight UTC) or a timestamp with its offset', () => {
    expect(exportTimeSchema.parse('2028-02-29')).toEqual(new Date('2028-02-29T00:00:00Z'));
    expect(exportTimeSchema.parse('2026-01-31T23:30:00+02:00')).toEqual(new Date('2026-01-31T21:30:00Z'));
  });

  it('refuses a day the calendar lacks, which Date would roll over into the next month', () => {
    for (const value of ['2026-02-30', '2026-02-29', '2026-04-31T10:00:00Z', '2026-13-01', '2026-00-10', '2026-01-00'])
      expect(exportTimeSchema.safeParse(value).error?.issues[0]?.message, value).toBe(
        'must be a date on the calendar (2026-02-30 is none)',
      );
    expect(exportTimeSchema.safeParse('31/01/2026').error?.issues[0]?.message).toBe(
      'must be an ISO 8601 date or time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z',
    );
  });

  it("takes a window's start in and leaves its end out: days side by side hold a run started at midnight once", () => {
    const day = (d: string) =>
      portfolioRunsQuery({ portfolioId: '123', since: new Date(d), until: new Date(`${d}T24:00:00Z`) });
    expect(day('2026-12-06')).toContain(
      "StartTime >= '2026-12-06T00:00:00.000Z' AND StartTime < '2026-12-07T00:00:00.000Z'",
    );
    expect(day('2026-12-07')).toContain("StartTime >= '2026-12-07T00:00:00.000Z'");
  });
});
