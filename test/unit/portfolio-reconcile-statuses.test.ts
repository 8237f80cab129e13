// What a reconciliation reads of Meta's numbers: one rule of what Meta's cap counts (countedByMeta) for the holders
// and for the numbers no slot holds — a number flagged, restricted or limited is still registered; one gone from its
// WABA, pending or disconnected is not; a WABA Meta refuses to show for good is skipped, a failure a retry may mend
// fails the activity (Temporal retries it).
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createPortfolioActivities } from '../../src/activities/portfolio-activities.js';
import { GraphError } from '../../src/graph/errors.js';
import type { GraphClient } from '../../src/graph/client.js';

/** A Graph client whose WABAs list these numbers (display number → status), or fail with `fails`. */
function graphOf(wabas: Record<string, Record<string, string> | GraphError>): GraphClient {
  return {
    async *allPhoneNumbers(wabaId: string) {
      const numbers = wabas[wabaId];
      if (numbers instanceof GraphError) throw numbers;
      for (const [display, status] of Object.entries(numbers ?? {})) yield { display_phone_number: display, status };
    },
  } as unknown as GraphClient;
}

const reconcile = (
  graph: GraphClient,
  input: Parameters<ReturnType<typeof createPortfolioActivities>['reconcileHolders']>[0],
) => createPortfolioActivities({ temporal: {} as Client, taskQueue: 'q', graph }).reconcileHolders(input);

const held = (e164: string) => ({ e164, workflowId: null, wabaId: '901' });

describe("a reconciliation's reading of Meta's numbers", () => {
  it('keeps holders Meta still counts, frees the others, and counts the registered numbers no slot holds', async () => {
    const graph = graphOf({
      '901': {
        '+1 415-555-0101': 'FLAGGED',
        '+1 415-555-0102': 'PENDING',
        '+1 415-555-0103': 'CONNECTED',
        '+1 415-555-0104': 'RESTRICTED',
        '+1 415-555-0105': 'DISCONNECTED',
      },
    });
    const report = await reconcile(graph, {
      holders: [
        held('+14155550101'),
        held('+14155550102'),
        held('+14155550106'),
        { ...held('+14155550107'), wabaId: null },
      ],
      queue: [],
      wabas: ['901'],
    });
    // Flagged: still registered; pending: never registered; gone from the WABA: no longer counted.
    expect(report.free).toEqual(['+14155550102', '+14155550106']);
    expect(report.unchecked).toEqual(['+14155550107']);
    expect(report.countedWithoutSlot).toEqual([
      { e164: '+14155550103', wabaId: '901' },
      { e164: '+14155550104', wabaId: '901' },
    ]);
  });

  it('skips a WABA Meta refuses to show for good, and fails on a failure a retry may mend', async () => {
    const refused = new GraphError({ code: 100, message: 'Unsupported get request', httpStatus: 400 });
    const down = new GraphError({ code: 2, message: 'Service temporarily unavailable', httpStatus: 503 });
    const report = await reconcile(graphOf({ '901': refused }), { holders: [], queue: [], wabas: ['901'] });
    expect(report.unread).toEqual([{ wabaId: '901', why: expect.stringContaining('100') }]);
    await expect(reconcile(graphOf({ '901': down }), { holders: [], queue: [], wabas: ['901'] })).rejects.toThrow();
  });
});
