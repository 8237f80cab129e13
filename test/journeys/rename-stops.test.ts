// A display-name change that stops at its 14-day register window: the code held for its verification is answered
// (it was left open, holding a live run from continuing as new), and a number that Meta's cure for 133000 had
// deregistered on the way does not go live so (time-skipping server + Graph sandbox).
import { WorkflowUpdateStage } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { submitDisplayNameUpdate, submitOtpUpdate } from '../../src/domain/messages.js';
import { useBench } from '../support/bench.js';
import { patchesIn } from '../support/history.js';
import { useStores } from '../support/intake.js';
import { decideName, startLive, submitDeliveredCode } from '../support/steps.js';

const DAY = 24 * 60 * 60 * 1000;
const WINDOW_AND_AN_HOUR = 14 * DAY + 60 * 60 * 1000;

describe('a display-name change stopped at its 14-day window (time-skipping server + Graph sandbox)', () => {
  const s = useStores();
  const t = useBench('time-skipping', () => ({ tokenStore: s.stores.tokens }));

  /** A journey registered, its first name declined and "Acme Helpline" submitted in its place (Meta shows it). */
  async function withDeclinedNameReplaced() {
    const { bench } = t;
    const journey = await bench.start(bench.input());
    await submitDeliveredCode(bench, journey);
    await decideName(bench, journey, 'REJECTED');
    await journey.until((v) => v.stage === 'AWAITING_NEW_NAME', 'AWAITING_NEW_NAME');
    const handle = t.env.client.workflow.getHandle(journey.workflowId);
    await handle.executeUpdate(submitDisplayNameUpdate, {
      args: [{ displayName: 'Acme Helpline', actor: 'ops@acme' }],
    });
    return { journey, handle };
  }

  /** The register and deregister calls Meta got from the call numbered `from` on. */
  const registrations = (from: number) =>
    t.bench.sandbox.admin
      .calls()
      .slice(from)
      .map((call) => call.endpoint.split('/').at(-1))
      .filter((last) => last === 'register' || last === 'deregister');

  // Before the tests that skip 14 days ahead: past a verification's life, the sandbox answers a register 133006.
  it('registers a name applied before going live again after the cure deregistered the number, though Meta shows the name', async () => {
    const { bench } = t;
    const [view, calls, history] = await bench.run(async () => {
      const { journey, handle } = await withDeclinedNameReplaced();
      bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'error', code: 133000 });
      const before = bench.sandbox.admin.calls().length;
      await decideName(bench, journey, 'APPROVED');
      const live = await journey.until((v) => v.stage === 'LIVE', 'LIVE');
      const made = registrations(before);
      const events = await handle.fetchHistory();
      await handle.terminate('test done');
      return [live, made, events];
    });
    // The new name replaced the declined one at Meta before any register: shown, it is no register that took.
    expect(calls).toEqual(['register', 'deregister', 'register']);
    expect(view).toMatchObject({ status: 'CONNECTED', displayName: { current: 'Acme Helpline' } });
    expect(patchesIn(history)).toContain('register-applying-a-name-needs-the-number-registered');
  });

  it("answers the code held for a live rename's verification, and the rename stops with the number live", async () => {
    const { bench } = t;
    const [answer, view, history] = await bench.run(async () => {
      const { journey } = await startLive(bench);
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      // The rename's register meets 133006: the live number verifies again.
      bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'error', code: 133006 });
      await handle.executeUpdate(submitDisplayNameUpdate, {
        args: [{ displayName: 'Acme Helpline', actor: 'ops@acme' }],
      });
      await decideName(bench, journey, 'APPROVED');
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'the rename asks for a code');
      const code = bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      // The code meets a token Meta refuses: the journey waits for a new one, holding the code, past the window.
      bench.sandbox.admin.revokeTokens(bench.wabaId);
      const held = await handle.startUpdate(submitOtpUpdate, {
        args: [{ code, actor: 'operator@acme' }],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
      await journey.until((v) => v.waiting?.for === 'admin', 'waiting for a new token');
      await t.env.sleep(WINDOW_AND_AN_HOUR);
      const outcome = await held.result();
      const stopped = await journey.until((v) => v.displayName.status === 'REREGISTER_WINDOW_MISSED', 'stopped');
      const events = await handle.fetchHistory();
      await handle.terminate('test done');
      // The WABA's token works again for the test after this one.
      await s.stores.tokens.put(bench.wabaId, bench.sandbox.admin.issueToken({ wabaIds: [bench.wabaId] }), {
        source: 'manual',
        by: 'admin@acme',
      });
      return [outcome, stopped, events];
    });
    expect(answer).toMatchObject({ accepted: false, attemptsLeft: null });
    expect(answer.message).toBe(
      'the approved name "Acme Helpline" was not applied: the number could not register again within 14 days of the approval',
    );
    expect(view).toMatchObject({ stage: 'LIVE', result: null, displayName: { pending: null } });
    expect(patchesIn(history)).toContain('stopped-rename-answers-held-input');
  });

  it('ends the journey FAILED, tidied up, when a name applied before going live could not register again after the cure deregistered the number', async () => {
    const { bench } = t;
    const [result, calls, history] = await bench.run(async () => {
      const { journey, handle } = await withDeclinedNameReplaced();
      // The name's register meets 133000: the journey deregisters, then every register meets Meta's 72-hour limit.
      bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'error', code: 133000 });
      bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'error', code: 133016, times: 20 });
      const before = bench.sandbox.admin.calls().length;
      await decideName(bench, journey, 'APPROVED');
      await journey.until((v) => v.waiting?.for === 'meta' && v.status === 'DISCONNECTED', 'deregistered, waiting');
      await t.env.sleep(WINDOW_AND_AN_HOUR);
      const ended = await journey.until((v) => v.result !== null, 'the end');
      bench.sandbox.admin.clearFaults();
      const made = registrations(before);
      return [ended.result, made, await handle.fetchHistory()];
    });
    expect(result).toMatchObject({ outcome: 'FAILED', reasonCode: 'NOT_REGISTERED_AGAIN' });
    expect(result?.reason).toMatch(
      /^the number was deregistered to finish an earlier deregistration \(Meta's 133000\)/,
    );
    expect(calls.slice(0, 3)).toEqual(['register', 'deregister', 'register']);
    expect(calls.filter((call) => call === 'deregister')).toHaveLength(1); // the tidy-up finds it deregistered
    expect(patchesIn(history)).toContain('deregistered-rename-window-ends-the-journey');
  });
});
