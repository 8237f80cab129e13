// A portfolio that owes many answers when Temporal suggests continuing as new carries them into its next run, which
// delivers them, instead of signalling each first (2 events each): under a burst of asks a run grew to twice the
// suggested length before.
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import {
  portfolioQuery,
  portfolioWorkflowId,
  reconcileSignal,
  requestSlotSignal,
  type PortfolioState,
  type SlotAnswer,
  type SlotRequest,
} from '../../src/domain/portfolio.js';
import type { portfolio } from '../../src/workflows/portfolio.js';
import { useBench } from '../support/bench.js';
import { keepHistory } from '../support/harness.js';
import { decodedPayloadTexts } from '../support/history.js';
import { until } from '../support/listed.js';
import { CONTINUE_AS_NEW_SUGGESTED_AT } from '../support/server-settings.js';
import { createTestWorker, uniqueTaskQueue } from '../support/temporal.js';

/** Asks enough, taken in the run's first task, that the server suggests continuing as new at once. */
const ASKS = CONTINUE_AS_NEW_SUGGESTED_AT + 100;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const YEAR = 365 * 24 * 60 * 60 * 1000;
/** A book of cap 2 with nothing in it, as a run carries it. */
const emptyBook = (): PortfolioState => ({
  cap: 2,
  holders: [],
  queue: [],
  admissions: 0,
  reconcileEveryMs: YEAR,
  outbox: [],
  released: [],
  notes: [],
});
/** The journeys the answers go to: runs nobody works on (a signal to one is taken, as by a journey waiting). */
const JOURNEYS = 20;

describe('a portfolio owing answers when continue-as-new is suggested (dev server)', () => {
  const t = useBench('dev');

  /**
   * A portfolio of cap 2 sent `ASKS` asks (and `also`, a reconciliation asked for, say) before any worker runs it, so
   * that its first task takes them all; then run until a run has delivered every answer.
   */
  async function burst(
    also?: (handle: WorkflowHandle<typeof portfolio>) => Promise<void>,
    carried?: Partial<PortfolioState>,
  ) {
    const { bench, env } = t;
    const unpolled = uniqueTaskQueue('nobody');
    const journeys = await Promise.all(
      Array.from({ length: JOURNEYS }, async () => {
        const workflowId = `number:burst-${randomUUID()}`;
        await env.client.workflow.start('keyCheck', { taskQueue: unpolled, workflowId, args: [{ nonce: 'n' }] });
        return workflowId;
      }),
    );
    const portfolioId = `burst-${randomUUID()}`;
    const taskQueue = uniqueTaskQueue('burst');
    const handle = await env.client.workflow.start<typeof portfolio>('portfolio', {
      taskQueue,
      workflowId: portfolioWorkflowId(portfolioId),
      args: [
        carried
          ? { portfolioId, state: { ...emptyBook(), ...carried } }
          : { portfolioId, cap: 2, reconcileEveryMs: YEAR },
      ],
    });
    const started = Date.now();
    // One after another, in the order the journeys started: each queued ask answered with a place of its own.
    for (let i = 0; i < ASKS; i++) {
      const runId = randomUUID();
      const request: SlotRequest = {
        e164: `+1555${String(3_000_000 + i)}`,
        workflowId: journeys[i % JOURNEYS]!,
        runId,
        firstRunId: runId,
        wabaId: '102290129340398',
        registered: false,
        startedAt: new Date(started + i).toISOString(),
      };
      await handle.signal(requestSlotSignal, request);
    }
    await also?.(handle);
    const worker = await createTestWorker(env, { taskQueue, activities: bench.activities });
    const state = await worker.runUntil(() =>
      until(async () => {
        const { runId } = await handle.describe();
        if (runId === handle.firstExecutionRunId) return null;
        const now = await handle.query(portfolioQuery);
        return now.outbox.length === 0 && now.reconcileRequested !== true && now.queue.length > 0 ? now : null;
      }, 'a run delivered every answer'),
    );
    // Its runs, from the first, each followed by the one it continued as new into.
    const runs: HistoryEvent[][] = [];
    for (let runId: string | null | undefined = handle.firstExecutionRunId; runId;) {
      const events: HistoryEvent[] = (await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory())
        .events!;
      runs.push(events);
      runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    }
    const done = async () => {
      await handle.terminate('test done');
      for (const workflowId of journeys) await env.client.workflow.getHandle(workflowId).terminate('test done');
    };
    return { handle, journeys, state, runs, done };
  }

  const signalled = (events: HistoryEvent[]) =>
    events.filter((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes).length;
  const reconciled = (events: HistoryEvent[]) =>
    events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'reconcileHolders').length;

  it('continues as new at once, its owed answers carried and delivered by the next run', async () => {
    const { env } = t;
    const { handle, journeys, state, runs, done } = await burst();
    expect(state.holders).toHaveLength(2);
    expect(state.queue).toHaveLength(ASKS - 2);
    const [first = [], ...later] = runs;
    await keepHistory(env, {
      workflowId: handle.workflowId,
      runId: handle.firstExecutionRunId,
      workflow: 'portfolio',
      scenario: 'a burst of asks owing answers when continue-as-new is suggested',
    });
    // The first run took the asks, signalled one batch of answers (100) and continued as new, carrying the rest
    // (before: every answer first, 2 events each).
    expect(signalled(first)).toBe(100);
    // Slack for the batch's answers coming back over several workflow tasks on a loaded machine (3 events each).
    expect(first.length).toBeLessThan(ASKS + 2 * 100 + 150);
    // The runs after it delivered the rest, each continuing as new once a batch of answers (100, 2 events each) is out.
    expect(runs.map(signalled).reduce((sum, n) => sum + n, 0)).toBe(ASKS);
    for (const events of later) expect(events.length).toBeLessThan(CONTINUE_AS_NEW_SUGGESTED_AT + 2 * 100 + 150);
    // Each journey was answered for every ask it made; each ask once: two granted, the others each their own place.
    const places: (number | null)[] = [];
    for (const workflowId of journeys) {
      const answers = async () =>
        (await env.client.workflow.getHandle(workflowId).fetchHistory()).events!.filter(
          (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'slotAnswer',
        ).length;
      await until(async () => ((await answers()) >= ASKS / JOURNEYS ? true : null), `${workflowId} answered`);
      expect(await answers()).toBe(ASKS / JOURNEYS);
      const texts = await decodedPayloadTexts(await env.client.workflow.getHandle(workflowId).fetchHistory());
      for (const text of texts) {
        const value = JSON.parse(text) as Partial<SlotAnswer>;
        if (typeof value.granted === 'boolean') places.push(value.granted ? null : (value.position ?? -1));
      }
    }
    const placesInOrder = [null, null, ...Array.from({ length: ASKS - 2 }, (_, i) => i + 1)];
    expect(places.sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(placesInOrder);
    await done();
  }, 120_000);

  it('carries a reconciliation asked for meanwhile too: the run that has delivered every answer makes it', async () => {
    const { handle, runs, done } = await burst((handle) =>
      handle.signal(reconcileSignal, { id: 'burst', actor: 'test', reason: 'a burst' }),
    );
    await keepHistory(t.env, {
      workflowId: handle.workflowId,
      runId: handle.firstExecutionRunId,
      workflow: 'portfolio',
      scenario: 'a reconciliation asked during a burst carried with the owed answers',
    });
    const last = runs.at(-1) ?? [];
    // No run reconciled while it owed answers; the last one, with every answer out, did (the ask carried to it).
    expect(runs.slice(0, -1).map(reconciled)).toEqual(runs.slice(0, -1).map(() => 0));
    expect(reconciled(last)).toBe(1);
    expect(runs.map(signalled).reduce((sum, n) => sum + n, 0)).toBe(ASKS);
    await done();
  }, 120_000);

  it('reconciles while it carries answers once the reconciliation is a whole period overdue', async () => {
    // A run continued as new with its reconciliation due two hours ago, a period of an hour.
    const dueAt = new Date(Date.now() - 2 * 60 * 60 * 1000).toISOString();
    const { runs, done } = await burst(undefined, { reconcileEveryMs: 60 * 60 * 1000, reconcileDueAt: dueAt });
    const [first = []] = runs;
    expect(signalled(first)).toBe(100);
    expect(reconciled(first)).toBe(1);
    expect(first.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy(); // and it still carried the rest
    await done();
  }, 120_000);
});
