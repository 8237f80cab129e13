// A journey that ends after a local activity, in a workflow task that also created a command (the signup window's
// timer, in its first task), must replay the same when the worker sent that task early: a long call (the task's
// heartbeat) or a query during it does. A slot refusal ended that way once failed to replay (the journey now takes
// it by signal). These endings are checked: each journey is queried while its task holds the call, and replayed.
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { journeyQuery, type JourneyResult } from '../../src/domain/journey.js';
import { submitOtpUpdate } from '../../src/domain/messages.js';
import { useBench } from '../support/bench.js';
import { testDataConverter } from '../support/temporal.js';

describe('a journey that ends in the task that asked Meta, queried meanwhile (dev server + Graph sandbox)', () => {
  const t = useBench('dev');

  it('an add Meta refuses for good in the first task, which a query or a long call split: the ending replays', async () => {
    await t.bench.run(async () => {
      // Meta answers after 9 s: the task's heartbeat (8 s of its 10) sends it early, with the window's timer, as a
      // query during the call may; the journey ends in the task after.
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /phone_numbers', kind: 'latency', latencyMs: 9_000 });
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /phone_numbers', kind: 'error', code: 100 });
      const journey = await t.bench.start(t.bench.input());
      const ended = await journey.until((v) => v.result !== null, 'an ending', 1_200); // queried from its first task on
      expect(ended.result?.reasonCode).toBe('META_100');
      const { result, history } = await endedAndReplayed(t.env.client, journey.workflowId);
      expect(result?.reasonCode).toBe('META_100');
      const events = history.events ?? [];
      const timer = events.findIndex((e) => e.timerStartedEventAttributes);
      expect(timer).toBeGreaterThan(-1);
      expect(events.findIndex((e) => e.timerCanceledEventAttributes)).toBeGreaterThan(timer);
    });
  });

  it('a third wrong code, checked in the task that took it: the ending replays', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      const wrong = code === '000000' ? '111111' : '000000';
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      const submit = () => handle.executeUpdate(submitOtpUpdate, { args: [{ code: wrong, actor: 'operator@acme' }] });
      await submit();
      await submit();
      // Meta answers the last one late (within the task's budget), while the journey is queried.
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /verify_code', kind: 'latency', latencyMs: 1_200 });
      let answered = false;
      const last = submit().finally(() => (answered = true));
      const queried: string[] = [];
      while (!answered) queried.push((await journey.view()).stage);
      expect((await last).attemptsLeft).toBe(0);
      // The queries met the task that held the call (answered from within it: VERIFYING_CODE).
      expect(queried.filter((stage) => stage !== 'FAILED')).not.toEqual([]);
      const { result } = await endedAndReplayed(t.env.client, journey.workflowId);
      expect(result?.reasonCode).toBe('OTP_ATTEMPTS_EXHAUSTED');
    });
  });
});

/** Waits for the run's end and replays its history with the workflows under test; its result, read by query. */
async function endedAndReplayed(client: Client, workflowId: string) {
  const handle = client.workflow.getHandle(workflowId);
  await handle.result();
  const history = await handle.fetchHistory();
  await Worker.runReplayHistory(
    { workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter: testDataConverter },
    history,
    workflowId,
  );
  // A closed run answers a query by replaying too.
  return { result: (await handle.query(journeyQuery)).result as JourneyResult | null, history };
}
