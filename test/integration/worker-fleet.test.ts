// Workers as a fleet: two worker processes poll one task queue; one is killed (SIGKILL) while journeys are under
// way — awaiting CONNECTED, and one inside a slow register — and the other finishes every journey. Meta (the
// sandbox) and the webhook receiver stay in this process and see the whole run; only the killed worker dies.
import { describe, expect, it } from 'vitest';
import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { JourneyView } from '../../src/domain/journey.js';
import { useBench } from '../support/bench.js';
import { callsFor, succeeded } from '../support/call-counts.js';
import type { JourneyHandle } from '../support/harness.js';
import type { Spawned } from '../support/processes.js';
import { useWorkerChildren } from '../support/worker-children.js';
import { submitDeliveredCode } from '../support/steps.js';

const { TaskQueueKind, TaskQueueType } = proto.temporal.api.enums.v1;
const JOURNEYS = 6;

describe('a fleet of workers on one task queue (dev server + Graph sandbox, workers as processes)', () => {
  // CONNECTED comes 8 s after the register (sandbox time is real time); names are approved after 1 s.
  const t = useBench('dev', { sandbox: { connectDelayMs: 8_000, nameReviewDelayMs: 1_000 } });
  const workers = useWorkerChildren(t);

  /** The identities (pid@host) of the workers that ran a journey's workflow and activity tasks. */
  const identitiesOf = async (journey: JourneyHandle): Promise<Set<string>> => {
    const history = await t.bench.env.client.workflow.getHandle(journey.workflowId).fetchHistory();
    const identities = (history.events ?? []).flatMap((e) => [
      e.workflowTaskStartedEventAttributes?.identity,
      e.activityTaskStartedEventAttributes?.identity,
    ]);
    return new Set(identities.filter((id): id is string => Boolean(id)));
  };
  /**
   * Until LIVE. A query sent while a workflow's sticky worker is the killed one goes to that worker's queue and comes
   * back CANCELLED (or DEADLINE_EXCEEDED) once the server gives up on it; the next is sent to the survivor. Asked again
   * a few times for that alone: any other failure, or a journey that never reaches LIVE, still fails the test.
   */
  const untilLive = async (journey: JourneyHandle): Promise<JourneyView> => {
    const lostWithWorker = (err: unknown) =>
      err instanceof ServiceError && isGrpcServiceError(err.cause) && [1, 4].includes(err.cause.code);
    for (let tries = 1; ; tries++) {
      try {
        return await journey.until((v) => v.stage === 'LIVE', `${journey.workflowId} LIVE`, 1_200);
      } catch (err) {
        if (tries >= 3 || !lostWithWorker(err)) throw err;
      }
    }
  };
  const pollers = async (): Promise<string[]> => {
    const { bench } = t;
    const { pollers } = await bench.env.client.workflowService.describeTaskQueue({
      namespace: bench.env.client.options.namespace,
      taskQueue: { name: bench.taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return (pollers ?? []).map((p) => p.identity ?? '');
  };

  it('finishes every journey on the surviving worker when one is killed mid-journey', async () => {
    const { bench } = t;
    const [doomed, survivor] = [await workers.start(), await workers.start()];
    // A worker names itself numberflow-worker:<user>@<host>:<pid> (src/temporal/client-identity.ts).
    const owner = (worker: Spawned) => (id: string) =>
      id.startsWith('numberflow-worker:') && id.endsWith(`:${worker.pid}`);
    let polling: string[] = [];
    for (let i = 0; i < 100 && !(polling.some(owner(doomed)) && polling.some(owner(survivor))); i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100)); // a poller shows once it has polled
      polling = await pollers();
    }
    expect(polling.some(owner(doomed)) && polling.some(owner(survivor)), polling.join(', ')).toBe(true);

    const journeys = await Promise.all(Array.from({ length: JOURNEYS }, () => bench.start(bench.input())));
    const [slowRegister, ...others] = journeys as [JourneyHandle, ...JourneyHandle[]];
    await Promise.all(others.map((j) => submitDeliveredCode(bench, j)));
    await Promise.all(others.map((j) => j.until((v) => v.stage === 'AWAITING_CONNECTED', 'AWAITING_CONNECTED')));
    bench.sandbox.admin.injectFault({ endpoint: 'POST /register', kind: 'latency', latencyMs: 6_000, times: 1 });
    await submitDeliveredCode(bench, slowRegister);
    await slowRegister.until((v) => v.stage === 'REGISTERING', 'REGISTERING');
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the slow register is inside the sandbox now

    const before = await Promise.all(journeys.map(identitiesOf));
    expect(
      before.some((ids) => [...ids].some(owner(doomed))),
      'the doomed worker had work',
    ).toBe(true);
    doomed.child.kill('SIGKILL');
    expect(await doomed.exit(10_000)).toBeNull(); // killed by the signal, no graceful drain

    const views: JourneyView[] = await Promise.all(journeys.map(untilLive));
    const log = bench.sandbox.admin.calls();
    for (const view of views) {
      const id = view.phoneNumberId as string;
      expect(succeeded(callsFor(log, '/register', id)), `successful registers of ${id}`).toHaveLength(1);
      expect(view.attempts.codeRequests).toBe(1);
    }
    // Every journey went on after the kill on the survivor, the only worker left.
    for (const ids of await Promise.all(journeys.map(identitiesOf))) {
      expect([...ids].some(owner(survivor))).toBe(true);
    }
  }, 120_000);
});
