// An operator's input while no worker runs the journey (QA: numberflow as a fleet): refused at once with 503 and not
// sent, when no worker polls the journeys' task queue; and, when the journey's worker does not take it in time,
// `pending` after a bounded wait — never a request left hanging. A start then answers 201 without the journey's view
// (QA: long outages) (dev server, Graph sandbox, the real service).
import { describe, expect, it } from 'vitest';
import { journeyWorkflowId } from '../../src/domain/journey.js';
import { temporalNotAnswering } from '../../src/temporal/unanswered.js';
import { useBench } from '../support/bench.js';
import { uniqueTaskQueue } from '../support/temporal.js';
import { useApi } from './support.js';

interface ErrorAnswer {
  error: { code: string; message: string };
}

describe('inputs while no worker runs the journey (dev server + Graph sandbox + the HTTP API)', () => {
  const t = useBench('dev');
  const unpolled = uniqueTaskQueue('no-worker');
  const api = useApi(t); // the bench's queue, which its worker polls
  const lonely = useApi(t, { taskQueue: unpolled }); // a service whose journeys' queue nobody polls
  const neverPolled = useApi(t, { taskQueue: uniqueTaskQueue('never-polled') }); // nor has anyone, ever

  /** A journey on the queue nobody polls: started, never run. */
  const unrun = async (): Promise<string> => {
    const input = t.bench.input();
    const { e164 } = input.phoneNumber;
    await t.env.client.workflow.start('numberJourney', {
      taskQueue: unpolled,
      workflowId: journeyWorkflowId(e164),
      args: [input],
    });
    return e164;
  };

  it('refuses an input at once, not sent, when no worker polls the journeys’ task queue', async () => {
    const e164 = await unrun();
    const started = Date.now();
    const answer = await lonely.call<ErrorAnswer>('POST', `/v1/journeys/${encodeURIComponent(e164)}/otp`, {
      body: { code: '123456' },
    });
    expect(answer.status).toBe(503);
    expect(answer.body.error).toMatchObject({
      code: 'temporal_unavailable',
      message: `no worker has polled the journeys' task queue "${unpolled}" for 2 minutes: the input was not sent; send it again once a worker runs`,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    // Not sent: the journey's first workflow task, taken here as a worker would, carries no update.
    const task = await t.env.client.withDeadline(Date.now() + 20_000, () =>
      t.env.client.workflowService.pollWorkflowTaskQueue({
        namespace: t.env.client.options.namespace,
        taskQueue: { name: unpolled },
        identity: 'the test, as a worker',
      }),
    );
    expect(task.workflowExecution?.workflowId).toBe(journeyWorkflowId(e164));
    expect(task.messages ?? []).toEqual([]);
    await t.env.client.workflow.getHandle(journeyWorkflowId(e164)).terminate('test done');
  });

  it("answers pending, not to be sent again, when the journey's worker does not take the input in time", async () => {
    await t.bench.run(async () => {
      // The service's queue is polled, but this journey runs on one nobody polls (a worker of its own that is down).
      const e164 = await unrun();
      const answer = await api.call<{ outcome: string; message: string }>(
        'POST',
        `/v1/journeys/${encodeURIComponent(e164)}/otp?waitSeconds=1`,
        { body: { code: '123456' } },
      );
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body).toMatchObject({ outcome: 'pending' });
      expect(answer.body.message).toBe(
        `not taken yet: no worker took it within 11 s (is the journeys' worker down or stuck?); Temporal holds it until one does, in memory (a server restart meanwhile loses it) — see \`show ${e164}\` before sending it again`,
      );
      await t.env.client.workflow.getHandle(journeyWorkflowId(e164)).terminate('test done');
    });
  }, 40_000);

  it('answers a start 201 with no view when no worker reads the new journey: it is started, not to be started again', async () => {
    const body = neverPolled.startBody();
    const begun = Date.now();
    const headers = { 'idempotency-key': `no-worker-${body.phoneNumber.slice(1)}` };
    const started = await neverPolled.call<{ workflowId: string; runId: string; journey: unknown }>(
      'POST',
      '/v1/journeys',
      {
        as: 'onboarding',
        body,
        headers,
      },
    );
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    expect(Date.now() - begun).toBeLessThan(5_000); // no read waited for
    expect(started.body).toMatchObject({ workflowId: journeyWorkflowId(body.phoneNumber), journey: null });
    const handle = t.env.client.workflow.getHandle(started.body.workflowId);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    // Sent again under its key: the same journey, 200.
    const again = await neverPolled.call<{ runId: string }>('POST', '/v1/journeys', {
      as: 'onboarding',
      body,
      headers,
    });
    expect(again.status).toBe(200);
    expect(again.body.runId).toBe(started.body.runId);
    await handle.terminate('test done');
  });

  it('takes a query Temporal refuses for want of a worker as no worker running, not as a failure', () => {
    const refused = new Error('Failed to query Workflow', {
      cause: new Error('9 FAILED_PRECONDITION: no poller seen for task queue recently, worker may be down'),
    });
    expect(temporalNotAnswering(refused)).toBe('no_worker');
    expect(temporalNotAnswering(new Error('9 FAILED_PRECONDITION: workflow execution already completed'))).toBeNull();
  });
});
