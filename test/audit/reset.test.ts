import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../src/audit/decode.js';
import { journeyTimeline, renderMarkdown } from '../../src/audit/index.js';
import { journeyQuery } from '../../src/domain/journey.js';
import { describeJourney, journeyRuns, listJourneys } from '../../src/journeys/index.js';
import { numberEventSignal } from '../../src/domain/messages.js';
import { eventually } from '../api/support.js';
import { useBench } from '../support/bench.js';
import { submitDeliveredCode } from '../support/steps.js';

describe("an auditor's timeline of a journey reset through Temporal (dev server + Graph sandbox)", () => {
  const t = useBench('dev');

  /**
   * An SRE's reset of the journey's run to the end of the workflow task `pick` chooses, its signals and updates
   * applied again (Temporal's default): the run reset from, and the reset run.
   */
  async function resetJourney(
    workflowId: string,
    reason: string,
    pick: (tasks: HistoryEvent[]) => HistoryEvent | undefined,
  ) {
    const handle = t.env.client.workflow.getHandle(workflowId);
    const base = (await handle.describe()).runId;
    const tasks = ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes);
    const { runId } = await t.env.client.workflowService.resetWorkflowExecution({
      namespace: t.env.client.options.namespace,
      workflowExecution: { workflowId, runId: base },
      reason,
      workflowTaskFinishEventId: pick(tasks)?.eventId,
      requestId: randomUUID(),
    });
    return { base, runId, reset: t.env.client.workflow.getHandle(workflowId, runId ?? undefined) };
  }

  /** Polls the reset run's view until its stage is as wanted (bounded). */
  async function untilStage(reset: WorkflowHandle, wanted: (stage: string) => boolean): Promise<void> {
    for (let i = 0; i < 100 && !wanted((await reset.query(journeyQuery)).stage); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
  }

  it('says which run a reset replaced and why, shows the reset run from the reset on, and the updates it applied again', async () => {
    await t.bench.run(async () => {
      const input = t.bench.input();
      const journey = await t.bench.start(input);
      await submitDeliveredCode(t.bench, journey);
      await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'registered, its name in review');
      // An SRE's reset to the first workflow task.
      const { base, runId, reset } = await resetJourney(journey.workflowId, 'bad deploy', (tasks) => tasks[0]);
      await untilStage(reset, (stage) => stage === 'AWAITING_OTP');

      const timeline = await journeyTimeline(t.env.client, input.phoneNumber.e164);
      expect(timeline.runs).toMatchObject([
        { runId: base, status: 'TERMINATED', resetFrom: null },
        { runId, status: 'RUNNING', resetFrom: base },
      ]);
      const ofRun = (id: string | null | undefined) => timeline.entries.filter((e) => e.runId === id);
      // The replaced run ends in the reset, not as a journey that failed.
      expect(ofRun(base).at(-1)).toMatchObject({
        kind: 'ended',
        outcome: 'RESET',
        what: 'ended by a reset through Temporal: bad deploy; the journey goes on in the run the reset made',
      });
      // The reset run starts at the reset: the start and the steps before it are the replaced run's, listed once.
      const [first, ...rest] = ofRun(runId);
      expect(first).toMatchObject({ kind: 'started' });
      expect(first?.what).toMatch(
        new RegExp(`^reset through Temporal from run ${base} \\(bad deploy\\): this run goes on from that run's state`),
      );
      expect(rest.filter((e) => e.kind === 'started')).toEqual([]);
      expect(timeline.entries.filter((e) => e.what.startsWith('started onboarding'))).toHaveLength(1);
      // Its calls to Meta are made again, and the operator's code, applied again, was not taken where it came back.
      expect(rest.map((e) => e.what)).toContain('request a verification code by SMS');
      expect(rest).toContainEqual(
        expect.objectContaining({
          kind: 'action',
          actor: 'operator@acme',
          what: 'submitted a code (update), applied again by a reset',
          outcome: 'not taken: the journey was not waiting for it where the reset took it back to',
        }),
      );
      expect(renderMarkdown(timeline)).toContain(`(reset from ${base}; RUNNING`);
      await reset.terminate('test done');
    });
  });

  it('keeps in the reset run what was under way at the reset and ended after it: the wait for the code', async () => {
    await t.bench.run(async () => {
      const input = t.bench.input({ signupAt: new Date().toISOString() }); // an Embedded Signup's: its window's wait
      const journey = await t.bench.start(input);
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      // One more task after the code's wait began (Meta's event), to reset to: the wait's timer is copied, running.
      await handle.signal(numberEventSignal, { kind: 'paid_message', at: new Date().toISOString() });
      await journey.until((v) => v.recentEvents.length > 0, 'the event taken');
      const { runId, reset } = await resetJourney(journey.workflowId, 'to the last task', (tasks) => tasks.at(-1));
      await submitDeliveredCode(t.bench, journey); // verified in the reset run: the wait ends
      // Registered, so the window's wait has ended too (only past AWAITING_OTP, it may still be under way).
      await untilStage(reset, (stage) => stage === 'DISPLAY_NAME_REVIEW');
      const timeline = await journeyTimeline(t.env.client, input.phoneNumber.e164);
      const ofReset = timeline.entries.filter((e) => e.runId === runId);
      expect(ofReset).toContainEqual(
        expect.objectContaining({
          kind: 'wait',
          what: "an operator's code; a new code is requested when none comes in time (under way at the reset)",
          outcome: 'ended before the deadline',
        }),
      );
      // Nothing else of the copied events: the start, the add, the code request and the event are the base run's.
      // The 14-day window's wait too, ended by the registration after the reset.
      expect(ofReset.filter((e) => e.what.includes('(under way at the reset)')).map((e) => e.kind)).toEqual([
        'wait',
        'wait',
      ]);
      expect(ofReset.some((e) => e.what.startsWith('started onboarding'))).toBe(false);
      await reset.terminate('test done');
    });
  });

  it('lists no run a reset ended as a failed journey: it reads where it stood, and a terminated one still fails', async () => {
    await t.bench.run(async () => {
      const [input, other] = [t.bench.input(), t.bench.input()];
      const journey = await t.bench.start(input);
      const terminated = await t.bench.start(other);
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'awaiting its code');
      await terminated.until((v) => v.stage === 'AWAITING_OTP', 'awaiting its code');
      await t.env.client.workflow.getHandle(terminated.workflowId).terminate('wrong number');
      const { base, reset } = await resetJourney(journey.workflowId, 'bad deploy', (tasks) => tasks.at(-1));
      await untilStage(reset, (stage) => stage === 'AWAITING_OTP');

      // Visibility follows the terminate and the reset a moment later: read until both show (bounded).
      const ours = [input.phoneNumber.e164, other.phoneNumber.e164]; // the tests before end theirs by terminating
      const listedFailed = async () =>
        (await listJourneys(t.env.client, { stage: 'FAILED', portfolioId: t.bench.portfolioId })).items
          .map((item) => item.e164)
          .filter((e164) => ours.includes(e164 ?? ''));
      const baseRun = async () =>
        (await journeyRuns(t.env.client, input.phoneNumber.e164)).find((run) => run.runId === base);
      await eventually(
        async () => (await listedFailed()).length > 0 && (await baseRun())?.status === 'TERMINATED',
        (shown) => shown,
        'visibility shows the terminate and the reset',
      );
      expect(await listedFailed()).toEqual([ours[1]]);
      expect(await baseRun()).toMatchObject({ status: 'TERMINATED', stage: 'AWAITING_OTP', outcome: null });
      const replaced = await describeJourney(t.env.client, input.phoneNumber.e164, base);
      expect(replaced).toMatchObject({ stage: 'AWAITING_OTP', result: null });
      expect(await describeJourney(t.env.client, other.phoneNumber.e164)).toMatchObject({
        stage: 'FAILED',
        result: { reasonCode: 'RUN_TERMINATED' },
      });
      await reset.terminate('test done');
    });
  });
});
