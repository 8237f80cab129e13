// A number Meta shows registered but limits (FLAGGED, RESTRICTED, RATE_LIMITED, BANNED): still registered, and still
// counted at the portfolio's cap. Adopted, it is taken as it stands: no code, no register, no wait for CONNECTED.
import { describe, expect, it } from 'vitest';
import { cancelUpdate } from '../../src/domain/messages.js';
import { journeyPolicy } from '../../src/domain/policy.js';
import { useBench } from '../support/bench.js';
import { patchesIn } from '../support/history.js';
import { verifiedByHand } from '../support/steps.js';
import type { Harness } from '../support/harness.js';

/** A number someone registered by hand, then limited by Meta: its journey's input (adopting it) and Meta's id. */
async function registeredThenLimited(
  bench: Harness,
  status: 'FLAGGED' | 'RESTRICTED' | 'BANNED',
  { nameApproved = true } = {},
) {
  const { input, id } = await verifiedByHand(bench, { registered: true });
  if (nameApproved) {
    bench.sandbox.admin.decideDisplayName(id, 'APPROVED');
    await bench.sandbox.admin.flushWebhooks(); // to no journey: none runs yet
  }
  bench.sandbox.admin.setNumberStatus(id, status);
  bench.sandbox.admin.clearCalls();
  return { input: { ...input, phoneNumberId: id }, id };
}

describe('a number Meta limits (dev server + Graph sandbox)', () => {
  const t = useBench('dev');
  const calls = (id: string, suffix: string) =>
    t.bench.sandbox.admin.calls().filter((c) => c.path.includes(id) && c.endpoint.endsWith(suffix));

  it('adopts a FLAGGED number as registered: no code, no register, live showing what Meta shows', async () => {
    await t.bench.run(async () => {
      const { input, id } = await registeredThenLimited(t.bench, 'FLAGGED');
      const journey = await t.bench.start(input);
      const live = await journey.until((v) => v.stage === 'LIVE', 'LIVE');
      expect(live).toMatchObject({ status: 'FLAGGED', displayName: { status: 'APPROVED' } });
      expect(live.notes.map((n) => `${n.actor}: ${n.what}`)).toContain(
        "meta: shows the number FLAGGED: registered, but limited by Meta (WhatsApp Manager's Account quality says why, and what it may still send); the journey goes on without a code or a register",
      );
      expect(calls(id, '/request_code')).toEqual([]);
      expect(calls(id, '/register')).toEqual([]);
      const history = await t.env.client.workflow.getHandle(journey.workflowId).fetchHistory();
      expect(patchesIn(history)).toContain('limited-number-is-registered');
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('keeps the slot of a RESTRICTED number its cancelled journey adopted: Meta still counts it', async () => {
    await t.bench.run(async () => {
      // Its name still under Meta's review: the journey waits there, where it may be cancelled.
      const { input, id } = await registeredThenLimited(t.bench, 'RESTRICTED', { nameApproved: false });
      const journey = await t.bench.start(input);
      const reviewed = await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'in review');
      expect(reviewed.status).toBe('RESTRICTED');
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      await handle.executeUpdate(cancelUpdate, { args: [{ actor: 'ops@acme', reason: 'test' }] });
      const ended = await journey.until((v) => v.result !== null, 'cancelled');
      expect(ended.notes.map((n) => n.what)).toContain(
        'Meta still counts the number as registered: it keeps its portfolio slot',
      );
      expect(calls(id, '/register')).toEqual([]);
      expect(calls(id, '/deregister')).toEqual([]); // registered by someone else: numberflow leaves it so
    });
  });
});

describe('a live number Meta limits, read again (time-skipping server)', () => {
  const t = useBench('time-skipping');

  it('reads a number Meta limits again every 6 hours until Meta lifts it, its sends paused while banned', async () => {
    await t.bench.run(async () => {
      const { input, id } = await registeredThenLimited(t.bench, 'BANNED');
      const journey = await t.bench.start(input);
      const live = await journey.until((v) => v.stage === 'LIVE', 'LIVE');
      expect(live).toMatchObject({ status: 'BANNED', sendsPaused: true });
      t.bench.sandbox.admin.setNumberStatus(id, 'CONNECTED'); // Meta lifts it, and says nothing
      await t.env.sleep(journeyPolicy.limitedStatusPollMs + 60_000);
      const lifted = await journey.until((v) => v.status === 'CONNECTED', 'read again');
      expect(lifted).toMatchObject({ stage: 'LIVE', sendsPaused: false });
      expect(lifted.notes.at(-1)).toMatchObject({ actor: 'meta', what: 'shows the number CONNECTED' });
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });
});
