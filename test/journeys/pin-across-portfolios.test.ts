// A number another portfolio onboarded, removed and deleted, onboarded again in this one: the PIN that portfolio's
// journey set is that business's secret. This journey never takes it (nor could its admin read it back): an
// operator is asked for it, as for any PIN numberflow does not know.
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { journeyTimeline } from '../../src/audit/index.js';
import { confirmDeletionSignal, requestRemovalSignal } from '../../src/domain/messages.js';
import { portfolioWorkflowId } from '../../src/domain/portfolio.js';
import { useBench } from '../support/bench.js';
import { useStores } from '../support/intake.js';
import { startLive, submitDeliveredCode } from '../support/steps.js';

const MINUTE = 60_000;

describe("the two-step PIN of another portfolio's journey (dev server + Graph sandbox + the SQLite token store)", () => {
  const s = useStores();
  const t = useBench('dev', () => ({ tokenStore: s.stores.tokens }));

  it('asks an operator for the PIN instead of trying the one a journey of another portfolio set', async () => {
    const { bench } = t;
    // Portfolio B, another business: its own WABA and token.
    const { portfolioId: other } = bench.sandbox.admin.createPortfolio({ verificationStatus: 'verified' });
    const { wabaId: otherWaba } = bench.sandbox.admin.createWaba({ portfolioId: other });
    const otherToken = bench.sandbox.admin.issueToken({ wabaIds: [otherWaba] });
    await s.stores.tokens.put(otherWaba, otherToken, { source: 'manual', by: 'test' });
    const elsewhere = bench.input({ wabaId: otherWaba, portfolioId: other });
    const e164 = elsewhere.phoneNumber.e164;
    await bench.run(async () => {
      // B's journey goes live, then B removes the number and deletes it in WhatsApp Manager.
      const { journey, view } = await startLive(bench, elsewhere);
      const handle = bench.env.client.workflow.getHandle(journey.workflowId);
      const firstRun = (await handle.describe()).runId;
      await handle.signal(requestRemovalSignal, { actor: 'admin@b', role: 'admin', reason: 'number retired' });
      await journey.until((v) => v.waiting?.for === 'admin', 'waiting for the deletion');
      bench.sandbox.admin.deleteNumber(view.phoneNumberId as string);
      await handle.signal(confirmDeletionSignal, { actor: 'admin@b' });
      await journey.until((v) => v.result?.outcome === 'REMOVED', 'REMOVED');
      const otherPin = bench.sandbox.admin.twoStepPin(e164) as string;
      expect(otherPin).toMatch(/^\d{6}$/);
      bench.sandbox.admin.advanceClock(10 * MINUTE); // past Meta's 133015 after a deletion

      // The bench's portfolio onboards the number: Meta holds B's PIN (133005), which this journey does not know.
      const again = await bench.start(bench.input({ phoneNumber: e164 }));
      await submitDeliveredCode(bench, again);
      const asking = await again.until((v) => v.stage === 'AWAITING_PIN', 'AWAITING_PIN');
      expect(asking.waiting?.reason).toContain('old PIN');
      expect(asking.notes.map((n) => n.what)).not.toContain(
        'Meta holds another PIN: trying the one numberflow set in an earlier journey',
      );
      expect(asking.pinSet).toBe(false);
      expect(bench.sandbox.admin.twoStepPin(e164)).toBe(otherPin);
      // The audit says it looked and found none of the portfolio's own.
      const timeline = await journeyTimeline(bench.env.client, e164, { withinPortfolios: [bench.portfolioId] });
      expect(timeline.runs).toHaveLength(1); // B's run is not this reader's
      const looked = timeline.entries.find((entry) =>
        entry.what.startsWith('looked for the two-step PIN an earlier journey'),
      );
      expect(looked?.outcome).toBe('none found');
      // Asked by a run scheduled before the portfolio was sent (no portfolioId): the calling run's own, read from
      // visibility — B's run finds B's PIN, the bench's run none. (Only the activity's context is stood in for.)
      const askedBy = (runId: string) =>
        new MockActivityEnvironment({ workflowExecution: { workflowId: again.workflowId, runId } }).run(
          bench.activities.rememberedPin,
          { e164 },
        );
      const ownRun = (await bench.env.client.workflow.getHandle(again.workflowId).describe()).runId;
      expect(await askedBy(ownRun)).toEqual({ pin: null });
      expect(await askedBy(firstRun)).toEqual({ pin: otherPin });
      await bench.env.client.workflow.getHandle(again.workflowId).terminate('test done');
      await bench.env.client.workflow.getHandle(portfolioWorkflowId(other)).terminate('test done');
    });
  });
});
