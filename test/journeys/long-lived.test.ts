import { randomUUID } from 'node:crypto';
import { status as grpcStatus } from '@grpc/grpc-js';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import proto from '@temporalio/proto'; // CommonJS: its namespaces come through the default export
import { describe, expect, it } from 'vitest';
import {
  numberEventSignal,
  revealPinUpdate,
  setIdentityCheckUpdate,
  submitDisplayNameUpdate,
} from '../../src/domain/messages.js';
import {
  acquireSlotUpdate,
  portfolioQuery,
  portfolioWorkflowId,
  releaseSlotSignal,
} from '../../src/domain/portfolio.js';
import { CONTINUE_AS_NEW_SUGGESTED_AT } from '../support/server-settings.js';
import { freshNumber } from '../support/journeys.js';
import { decideName, startLive } from '../support/steps.js';
import { useBench } from '../support/bench.js';
import { journeyTimeline } from '../../src/audit/index.js';
import { keepHistory } from '../support/harness.js';
import { patchesIn } from '../support/history.js';

const { UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED: ADMITTED } =
  proto.temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage;

describe('entities that live long: LIVE journeys and portfolios (dev server)', () => {
  const t = useBench('dev');
  /** Until the server has admitted an update (it answers NOT_FOUND before). */
  const admitted = async (workflowId: string, updateId: string) => {
    for (let tries = 0; ; tries++) {
      try {
        await t.env.client.workflowService.pollWorkflowExecutionUpdate({
          namespace: t.env.client.options.namespace,
          updateRef: { workflowExecution: { workflowId }, updateId },
          waitPolicy: { lifecycleStage: ADMITTED },
        });
        return;
      } catch (err) {
        if ((err as { code?: number }).code !== grpcStatus.NOT_FOUND || tries === 250) throw err;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  /** Records a journey's first run as the fixture of `scenario` (RECORD_HISTORIES): the run the patch was decided in. */
  const keepFirstRun = (workflowId: string, runId: string, scenario: string) =>
    keepHistory(t.env, { workflowId, workflow: 'numberJourney', scenario, runId });

  it("records the number's webhook events in LIVE and continues as new, keeping its state, when Temporal suggests it", async () => {
    await t.bench.run(async () => {
      // A transient register error on the way: the register made again counts, and the count survives the
      // continue-as-new too; the error, got past, no longer shows.
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'error', code: 131000, times: 1 });
      const { journey, view } = await startLive(t.bench);
      expect(view.attempts.registerCalls).toBe(2);
      expect(view.lastError).toBeNull();
      expect(view.recentEvents.map((e) => e.kind)).toEqual(expect.arrayContaining(['quality', 'name']));
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      const firstRun = (await handle.describe()).runId;
      for (let i = 0; i < CONTINUE_AS_NEW_SUGGESTED_AT; i++) {
        await handle.signal(numberEventSignal, {
          kind: 'quality',
          event: 'THROUGHPUT_UPGRADE',
          currentLimit: `TIER_${i}`,
          at: new Date().toISOString(),
        });
      }
      const after = await journey.until(
        (v) =>
          v.recentEvents.at(-1)?.kind === 'quality' &&
          (v.recentEvents.at(-1) as { currentLimit: string }).currentLimit ===
            `TIER_${CONTINUE_AS_NEW_SUGGESTED_AT - 1}`,
        'every event seen',
      );
      const description = await handle.describe();
      expect(description.runId).not.toBe(firstRun);
      const { recentEvents: _events, quality: _quality, ...kept } = view;
      expect(after).toMatchObject(kept); // every fact the view showed before, kept by the new run
      const last = `TIER_${CONTINUE_AS_NEW_SUGGESTED_AT - 1}`;
      expect(after.quality).toMatchObject({ event: 'THROUGHPUT_UPGRADE', limit: last }); // the latest, carried too
      // The run continues as new at its first task once past the length; the last signals may have brought the
      // current run to it just before (one CI run read exactly 300), so the bound allows that task's few events.
      expect(description.historyLength).toBeLessThanOrEqual(CONTINUE_AS_NEW_SUGGESTED_AT + 10);
      expect(after).toMatchObject({
        stage: 'LIVE',
        phoneNumberId: view.phoneNumberId,
        status: 'CONNECTED',
        displayName: view.displayName,
      });
      expect(after.recentEvents).toHaveLength(50);
      await handle.terminate('test done');
    });
  });

  it('answers a PIN reveal taken in the task that would continue as new once, and continues as new in a later task', async () => {
    const { journey } = await t.bench.run(() => startLive(t.bench));
    const handle = t.env.client.workflow.getHandle(journey.workflowId);
    const firstRun = (await handle.describe()).runId;
    // No worker meanwhile: Meta's events pile up past the length at which Temporal suggests a new run, and an admin's
    // reveal waits with them: one task takes them all, answers the reveal and would continue as new.
    const paid = () => handle.signal(numberEventSignal, { kind: 'paid_message', at: new Date().toISOString() });
    for (let i = 0; i < CONTINUE_AS_NEW_SUGGESTED_AT; i++) await paid();
    /** A reveal sent while no worker runs, so that one task takes it with what came before; then a worker answers. */
    const revealInOneTask = async (reason: string) => {
      const updateId = randomUUID();
      const answer = handle.executeUpdate(revealPinUpdate, {
        args: [{ actor: 'admin@acme', role: 'admin', reason }],
        updateId,
      });
      answer.catch(() => undefined); // awaited below; not left unhandled should the wait throw first
      await admitted(handle.workflowId, updateId); // on the server, waiting for a worker, before one polls
      await t.bench.run(async () => {
        expect((await answer).pin).toMatch(/^\d{6}$/);
        // Before the patch the run continued as new in that task: the client sent the reveal again to the new run,
        // which revealed it and noted it again. Now a later task does.
        expect((await handle.describe()).runId).toBe(firstRun);
      });
    };
    await revealInOneTask('audit of the escrow');
    // The next task brings an event and another reveal (a task's signals come before its updates): not that one either.
    await paid();
    await revealInOneTask('second look');
    await t.bench.run(async () => {
      // A refused update is no input history records: its task must not be the one that continues as new (a replay
      // of the run, which never sees it, would not).
      const refused = await handle
        .executeUpdate(revealPinUpdate, { args: [{ actor: 'ops@acme', role: 'operator', reason: 'curious' }] })
        .catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((await handle.describe()).runId).toBe(firstRun);
      await paid();
      await expect.poll(async () => (await handle.describe()).runId, { timeout: 30_000 }).not.toBe(firstRun);
      const notes = (await journey.view()).notes.map((n) => n.what);
      expect(notes.filter((what) => what.startsWith('PIN revealed to admin@acme'))).toEqual([
        'PIN revealed to admin@acme: audit of the escrow',
        'PIN revealed to admin@acme: second look',
      ]);
      await handle.terminate('test done');
      const history = await t.env.client.workflow.getHandle(journey.workflowId, firstRun).fetchHistory();
      expect(patchesIn(history)).toContain('no-continue-as-new-with-an-answer');
      const reveals = async (runId?: string) =>
        ((await t.env.client.workflow.getHandle(journey.workflowId, runId).fetchHistory()).events ?? []).filter(
          (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'revealPin',
        ).length;
      expect([await reveals(firstRun), await reveals()]).toEqual([2, 0]);
      await keepFirstRun(
        journey.workflowId,
        firstRun,
        'a PIN reveal answered in the task a live run would continue as new in',
      );
    });
  });

  it("audits a run that continued as new with its signals' notes from history, no worker needed", async () => {
    const { journey, firstRun, runningRun } = await t.bench.run(async () => {
      const { journey } = await startLive(t.bench);
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      const firstRun = (await handle.describe()).runId;
      await handle.cancel(); // Temporal's own cancel: refused in LIVE, and noted
      await journey.until((v) => v.notes.some((n) => n.what.startsWith('cancel refused')), 'the refusal noted');
      for (let i = 0; i < CONTINUE_AS_NEW_SUGGESTED_AT; i++) {
        await handle.signal(numberEventSignal, { kind: 'paid_message', at: new Date().toISOString() });
      }
      await expect.poll(async () => (await handle.describe()).runId, { timeout: 30_000 }).not.toBe(firstRun);
      // How many of the signals reached the new run depends on the worker's pace (a loaded one takes them all in the
      // first): one more, taken by the running run before the worker stops, gives it notes of its own to ask for.
      const runningRun = (await handle.describe()).runId;
      await handle.signal(numberEventSignal, { kind: 'paid_message', at: new Date().toISOString() });
      const tookTheSignal = async () => {
        const events = (await t.env.client.workflow.getHandle(journey.workflowId, runningRun).fetchHistory()).events;
        const signalled = (events ?? []).findLastIndex((e) => e.workflowExecutionSignaledEventAttributes);
        return (events ?? []).slice(signalled + 1).some((e) => e.workflowTaskCompletedEventAttributes);
      };
      await expect.poll(tookTheSignal, { timeout: 30_000 }).toBe(true);
      return { journey, firstRun, runningRun };
    });
    // No worker now: a query of the first run would wait in vain (and, with one, replay the whole run).
    const timeline = await journeyTimeline(t.env.client, journey.workflowId.slice('number:'.length), {
      notesTimeoutMs: 500,
    });
    expect(
      timeline.entries.find((e) => e.runId === firstRun && e.what === 'cancelled the run through Temporal'),
    ).toMatchObject({
      outcome: "cancel refused: a live number's journey cannot be cancelled (stage LIVE); request its removal instead",
    });
    // Only the running run's notes need its query.
    expect(timeline.gaps).toHaveLength(1);
    expect(timeline.gaps[0]).toContain(runningRun);
    await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
  });

  it('takes a new name submitted while it waits for a slow handler to continue as new, then continues', async () => {
    await t.bench.run(async () => {
      const { journey } = await startLive(t.bench);
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      const firstRun = (await handle.describe()).runId;
      // Meta takes 20 s to answer the identity check's setting: its update runs while history passes the length at
      // which Temporal suggests a new run, so the journey waits for it before continuing as new.
      t.bench.sandbox.admin.injectFault({ endpoint: 'POST /settings', kind: 'latency', latencyMs: 20_000 });
      const check = handle.executeUpdate(setIdentityCheckUpdate, { args: [{ enabled: false, actor: 'ops@acme' }] });
      for (let i = 0; i < CONTINUE_AS_NEW_SUGGESTED_AT; i++) {
        await handle.signal(numberEventSignal, { kind: 'paid_message', at: new Date().toISOString() });
      }
      // Before the patch this update never finished, and the journey never moved again: the wait was for every
      // handler, its own among them.
      const renamed = await handle.executeUpdate(submitDisplayNameUpdate, {
        args: [{ displayName: 'Acme Help Desk', actor: 'ops@acme' }],
      });
      expect(renamed).toMatchObject({ accepted: true });
      // The check was off already (the journey never turned it on): Meta is told again, and the answer says so.
      expect(await check).toMatchObject({
        accepted: true,
        message: 'the identity-change check is off (it was already; Meta was told again)',
      });
      await journey.until((v) => v.displayName.pending === 'Acme Help Desk', 'the change pending');
      await decideName(t.bench, journey, 'APPROVED'); // the change done, the journey goes on to a new run
      await expect.poll(async () => (await handle.describe()).runId, { timeout: 30_000 }).not.toBe(firstRun);
      await handle.terminate('test done');
      // The first run took the name while the setting was under way: the patch's marker says it went that way.
      const first = await t.env.client.workflow.getHandle(journey.workflowId, firstRun).fetchHistory();
      expect(patchesIn(first)).toContain('submission-taken-before-continue-as-new');
      await keepFirstRun(
        journey.workflowId,
        firstRun,
        'a name submitted while a live run waits for its handlers to continue as new',
      );
    });
  });

  it('keeps its queue and admissions across continue-as-new, with history bounded', async () => {
    await t.bench.run(async () => {
      const handle = t.env.client.workflow.getHandle(portfolioWorkflowId(t.bench.portfolioId));
      const firstRun = (await handle.describe()).runId;
      const admissions = 120;
      for (let i = 0; i < admissions; i++) {
        const e164 = freshNumber();
        const answer = await handle.executeUpdate(acquireSlotUpdate, {
          args: [{ e164, workflowId: `number:${e164}` }],
        });
        expect(answer.granted).toBe(true);
        await handle.signal(releaseSlotSignal, { e164 });
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      const state = await handle.query(portfolioQuery);
      expect(state.admissions).toBeGreaterThanOrEqual(admissions);
      const description = await handle.describe();
      expect(description.runId).not.toBe(firstRun);
      expect(description.historyLength).toBeLessThan(CONTINUE_AS_NEW_SUGGESTED_AT + 50);
      const refused = await handle
        .executeUpdate(acquireSlotUpdate, { args: [{ e164: 'not-a-number', workflowId: 'x' }] })
        .catch((err: Error & { cause?: Error }) => err.cause?.message);
      expect(refused).toBe('e164 must be a number in E.164 form');
    });
  });
});
