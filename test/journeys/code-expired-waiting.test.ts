// A code taken while it lasted but verified only after it expired — the journey waited for a new token meanwhile —
// is no wrong attempt of the operator's: Meta's refusal of it (136025) is answered as such, and not counted.
import { describe, expect, it } from 'vitest';
import { submitOtpUpdate, tokenRenewedSignal } from '../../src/domain/messages.js';
import { journeyPolicy } from '../../src/domain/policy.js';
import { useBench } from '../support/bench.js';
import { patchesIn } from '../support/history.js';
import { useStores } from '../support/intake.js';

const MINUTE = 60_000;

describe('a code that expires while the journey waits for a token (time-skipping server + Graph sandbox)', () => {
  const s = useStores();
  const t = useBench('time-skipping', () => ({ tokenStore: s.stores.tokens }));

  it('answers its refusal as expired while the journey waited, and counts no wrong attempt', async () => {
    const { bench } = t;
    const [answer, view, history] = await bench.run(async () => {
      const now = await t.env.currentTimeMs();
      const journey = await bench.start(bench.input({ signupAt: new Date(now).toISOString() }, new Date(now)));
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const code = bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      bench.sandbox.admin.revokeTokens(bench.wabaId);
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      const answered = handle.executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'operator@acme' }] });
      await journey.until((v) => v.waiting?.for === 'admin', 'waiting for a new token');
      // An admin stores a token only after the code's 10 minutes and the journey's 15, at Meta and in its time alike.
      bench.sandbox.admin.advanceClock(journeyPolicy.otpWaitMs + MINUTE);
      await t.env.sleep(journeyPolicy.otpWaitMs + MINUTE);
      await s.stores.tokens.put(bench.wabaId, bench.sandbox.admin.issueToken({ wabaIds: [bench.wabaId] }), {
        source: 'manual',
        by: 'admin@acme',
      });
      await handle.signal(tokenRenewedSignal, { wabaId: bench.wabaId, actor: 'admin@acme' });
      const outcome = await answered;
      const after = await journey.until(
        (v) => v.stage === 'AWAITING_OTP' && v.attempts.codeRequests === 2,
        'a new code, as said',
      );
      const events = await handle.fetchHistory();
      await handle.terminate('test done');
      return [outcome, after, events];
    });
    expect(answer).toMatchObject({ accepted: false, attemptsLeft: journeyPolicy.maxWrongCodes });
    expect(answer.message).toMatch(
      /^code expired while numberflow waited to verify it \(Meta's code lasts about 10 minutes; this one expired at \S+Z\): numberflow requests a new code now; not counted as a wrong attempt$/,
    );
    expect(view.attempts.wrongCodes).toBe(0);
    expect(view.notes.map((n) => n.what)).toContainEqual(
      expect.stringMatching(
        /^submitted a code that Meta refused: it expired at \S+Z while numberflow waited to verify it/,
      ),
    );
    expect(patchesIn(history)).toContain('code-expired-while-waiting-not-counted');
  });

  // Temporal holds an update while no worker runs: the code may reach the journey after Meta's 10 minutes.
  it('counts no wrong attempt for a code submitted in time and taken in after it expired, and one submitted late as wrong', async () => {
    const { bench } = t;
    const [malformed, held, late, view, history] = await bench.run(async () => {
      const now = await t.env.currentTimeMs();
      const journey = await bench.start(bench.input({ signupAt: new Date(now).toISOString() }, new Date(now)));
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const code = bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      const requestedAt = await t.env.currentTimeMs();
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      const submit = (submittedAt: string) =>
        handle.executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'operator@acme', submittedAt }] });
      const refusal = (submittedAt: string) =>
        submit(submittedAt).catch((err: Error) => (err.cause as Error | undefined)?.message);
      // A time without its zone would be read in each worker's own: replayed elsewhere, another decision.
      const refused = [await refusal('yesterday'), await refusal(new Date(requestedAt).toISOString().slice(0, -1))];
      // The code's 10 minutes pass, at Meta and in the journey; its own wait (15 minutes) goes on.
      bench.sandbox.admin.advanceClock(journeyPolicy.codeValidMs + MINUTE);
      await t.env.sleep(journeyPolicy.codeValidMs + MINUTE);
      const inTime = await submit(new Date(requestedAt + MINUTE).toISOString());
      const afterItsLife = await submit(new Date(requestedAt + journeyPolicy.codeValidMs + MINUTE / 2).toISOString());
      const after = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const events = await handle.fetchHistory();
      await handle.terminate('test done');
      return [refused, inTime, afterItsLife, after, events];
    });
    expect(malformed).toEqual([
      'submittedAt must be an ISO 8601 time with its zone, e.g. 2026-12-07T21:30:00.000Z',
      'submittedAt must be an ISO 8601 time with its zone, e.g. 2026-12-07T21:30:00.000Z',
    ]);
    expect(held).toMatchObject({ accepted: false, attemptsLeft: journeyPolicy.maxWrongCodes });
    expect(held.message).toMatch(
      /^code expired before numberflow took it in \(no worker ran meanwhile\) \(Meta's code lasts about 10 minutes; this one expired at \S+Z\): ask for a new code; not counted as a wrong attempt$/,
    );
    // Submitted after the code expired: Meta's refusal counts, as any code submitted late.
    expect(late).toMatchObject({ accepted: false, attemptsLeft: journeyPolicy.maxWrongCodes - 1 });
    expect(late.message).toMatch(/^code wrong, or expired/);
    expect(view.attempts.wrongCodes).toBe(1);
    expect(view.notes.map((n) => n.what)).toContainEqual(
      expect.stringMatching(
        /^submitted a code at \S+Z that Meta refused: it expired at \S+Z before numberflow took it in \(no worker ran meanwhile\) \(not counted as wrong\)$/,
      ),
    );
    expect(patchesIn(history)).toContain('code-submitted-in-time-not-counted');
  });
});
