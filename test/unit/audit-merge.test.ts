import { describe, expect, it } from 'vitest';
import { mergeInTime } from '../../src/audit/identity-timeline.js';
import { renderMarkdown, type Timeline, type TimelineEntry } from '../../src/audit/index.js';

const entry = (at: string, fields: Partial<TimelineEntry>): TimelineEntry => ({
  at: `2026-12-02T10:00:${at}.000Z`,
  runId: 'journey-1',
  kind: 'action',
  stage: 'LIVE',
  what: 'something',
  ...fields,
});

describe("merging a customer's identity recovery into the journey's timeline", () => {
  const journey = [
    entry('01', { kind: 'stage', stage: 'REGISTERING', what: 'entered REGISTERING' }),
    entry('03', { kind: 'stage', stage: 'LIVE', what: 'entered LIVE' }),
    // An entry history recorded later but dated earlier (a message dated when it was sent): the journey's order is kept.
    entry('02', { kind: 'graph_call', stage: 'LIVE', what: 'send a text message' }),
    entry('09', { kind: 'ended', stage: 'REMOVED', what: 'removed' }),
  ];
  const recovery = [
    entry('05', {
      runId: 'identity-1',
      kind: 'webhook',
      customer: '15551234567',
      what: '137000',
      sentAt: '2026-12-02T09:59:58.000Z',
    }),
    entry('04', { runId: 'identity-1', kind: 'started', customer: '15551234567', what: 'started' }),
    entry('09', { runId: 'identity-1', kind: 'ended', customer: '15551234567', what: 'trusted' }),
    entry('10', { runId: 'identity-1', kind: 'wait', customer: '15551234567', what: 'late' }),
  ];

  it("keeps the journey's order, puts each recovery entry by time, in the stage the journey was in", () => {
    const merged = mergeInTime(journey, recovery);
    expect(merged.map((e) => [e.runId, e.what, e.stage])).toEqual([
      ['journey-1', 'entered REGISTERING', 'REGISTERING'],
      ['journey-1', 'entered LIVE', 'LIVE'],
      ['journey-1', 'send a text message', 'LIVE'],
      ['identity-1', 'started', 'LIVE'],
      ['identity-1', '137000', 'LIVE'],
      // At the same moment as the journey's ending: the journey's entry first, then the recovery's, in its stage.
      ['journey-1', 'removed', 'REMOVED'],
      ['identity-1', 'trusted', 'REMOVED'],
      ['identity-1', 'late', 'REMOVED'],
    ]);
    expect(mergeInTime(journey, [])).toEqual(journey);
  });

  it("puts a recovery's rows in the section of the journey run they happened during, with the customer", () => {
    const timeline: Timeline = {
      e164: '+14155550100',
      workflowId: 'number:+14155550100',
      generatedAt: '2026-12-02T10:01:00.000Z',
      runs: [
        {
          runId: 'journey-1',
          startedAt: '2026-12-02T10:00:00.000Z',
          closedAt: '2026-12-02T10:00:09.000Z',
          status: 'COMPLETED',
          continuedFrom: null,
          resetFrom: null,
        },
      ],
      identityRuns: [
        {
          workflowId: 'identity:1234:15551234567',
          runId: 'identity-1',
          phoneNumberId: '1234',
          waId: '15551234567',
          startedAt: '2026-12-02T10:00:04.000Z',
          closedAt: '2026-12-02T10:00:09.000Z',
          status: 'COMPLETED',
        },
      ],
      entries: mergeInTime(journey, recovery),
      gaps: [],
    };
    const markdown = renderMarkdown(timeline);
    const rows = markdown.split('\n').filter((line) => line.startsWith('| 20'));
    expect(rows).toHaveLength(8);
    expect(rows[3]).toBe('| 2026-12-02 10:00:04.000 | LIVE | started | 15551234567 |  | started |  |');
    // A webhook's own date beside when it reached the workflow.
    expect(rows[4]).toBe(
      '| 2026-12-02 10:00:05.000 | LIVE | webhook | 15551234567 |  | 137000 | dated 2026-12-02T09:59:58.000Z |',
    );
    expect(markdown).toContain("## Customers' identity recoveries");
    expect(markdown).toContain('1 customer identity recovery, 8 entries');
    // What a person or Meta wrote is shown, not obeyed: a direction override in a name sent by hand, written out.
    const overridden = renderMarkdown({
      ...timeline,
      entries: [
        entry('01', { kind: 'action', stage: 'LIVE', what: 'submitted the display name "Acme \u202eazzip\u202c"' }),
      ],
    });
    expect(overridden).toContain('submitted the display name "Acme \\\\u202eazzip\\\\u202c"'); // Markdown escapes the \\
    expect(overridden).not.toContain('\u202e');
  });
});
