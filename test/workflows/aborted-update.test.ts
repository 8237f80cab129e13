// An update carried by a workflow task Temporal then refused (a continue-as-new that met a signal while the task
// ran, as a live journey receiving Meta's webhooks does) is aborted, not taken: the service sends it again, and says
// so in words where every try was aborted (a 500 "the service failed to answer" before).
import { randomUUID } from 'node:crypto';
import proto from '@temporalio/proto'; // CommonJS: its namespaces come through the default export
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { FastifyError } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { workerDataConverter } from '../../src/codec/data-converter.js';
import { apiErrorOf } from '../../src/http/errors.js';
import { failureOf } from '../../src/cli/failure.js';
import { UPDATE_ABORTED, updateAbortedWithItsTask } from '../../src/temporal/aborted-update.js';
import { connectClient } from '../../src/temporal/connection.js';
import { loadConfig } from '../../src/config.js';
import { messagesThrough } from '../../src/temporal/unanswered.js';
import { bundleTestWorkflows, connectDevServer, testDataConverter, type TestEnv } from '../support/temporal.js';
import { noiseSignal, pingUpdate } from './support/continuing-as-new-workflow.js';

const { PendingWorkflowTaskState } = proto.temporal.api.enums.v1;

describe('an update aborted with its workflow task (dev server)', () => {
  let env: TestEnv;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `aborted-update-${randomUUID()}`;
  beforeAll(async () => {
    env = await connectDevServer();
    const workflowBundle = await bundleTestWorkflows(
      new URL('./support/continuing-as-new-workflow.ts', import.meta.url).pathname,
    );
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      dataConverter: workerDataConverter(testDataConverter),
    });
    running = worker.run();
  }, 60_000);
  afterAll(async () => {
    worker.shutdown();
    await running;
  });

  /** An update whose task holds for 1.5 s, and a signal that lands meanwhile: Temporal refuses the task. */
  async function updateMeetingASignal(sender: Client) {
    const handle = await env.client.workflow.start('continuingAsNew', {
      taskQueue,
      workflowId: `aborted-${randomUUID()}`,
    });
    await handle.executeUpdate(pingUpdate, { args: [{ holdMs: 0 }] }); // its first task done: the run waits
    const sent = sender.workflow.getHandle(handle.workflowId);
    const answer = sent.executeUpdate(pingUpdate, { args: [{ holdMs: 1_500 }] }).then(
      (pong) => pong,
      (err: unknown) => err,
    );
    // The signal must land while the task runs (not before the worker has taken it): wait for it to have started.
    let started = false;
    for (let i = 0; i < 250 && !started; i++) {
      const { raw } = await handle.describe();
      started = raw.pendingWorkflowTask?.state === PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED;
      if (!started) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(started, "the update's workflow task started within 5 s").toBe(true);
    await handle.signal(noiseSignal);
    return { handle, answer: await answer };
  }

  it('is not taken: Temporal answers FAILED_PRECONDITION, which the API and the command line say in words', async () => {
    // A slow machine may run the task through before the signal lands (the update is then simply answered): again.
    // A plain client (the tests' own sends an aborted update again, as numberflow's does).
    const plain = new Client({ connection: env.client.connection, dataConverter: testDataConverter });
    let met = await updateMeetingASignal(plain);
    for (let tries = 1; tries < 3 && typeof met.answer === 'string'; tries++) {
      await met.handle.terminate('test done');
      met = await updateMeetingASignal(plain);
    }
    const { handle, answer } = met;
    expect([...messagesThrough(answer)].join(' / ')).toContain('unexpected workflow task failure');
    expect(updateAbortedWithItsTask(answer)).toBe(true);
    expect(apiErrorOf(answer as FastifyError)).toMatchObject({ status: 503, code: 'update_aborted' });
    expect(apiErrorOf(answer as FastifyError).message).toBe(UPDATE_ABORTED);
    expect(failureOf(answer)).toEqual({ lines: [`numberflow: ${UPDATE_ABORTED}`], exitCode: 75 });
    await handle.terminate('test done');
  });

  it("is answered when sent again by a client numberflow connects, each try through the client's interceptors", async () => {
    // The interceptors given to connectClient (tracing's) see each try: counted here.
    let sends = 0;
    const counting: WorkflowClientInterceptor = { startUpdate: (input, next) => (sends++, next(input)) };
    const config = loadConfig({ TEMPORAL_ADDRESS: inject('devServerAddress') });
    const client = await connectClient(config, testDataConverter, { interceptors: { workflow: [counting] } });
    try {
      // Counted: a scenario a slow machine ran through (answered at the first send) proves nothing, and is tried again.
      const sentAgain = async () => {
        sends = 0;
        return { ...(await updateMeetingASignal(client)), sends };
      };
      let met = await sentAgain();
      for (let tries = 1; tries < 3 && met.sends < 2; tries++) {
        await met.handle.terminate('test done');
        met = await sentAgain();
      }
      expect(met.sends).toBe(2);
      expect(met.answer).toMatch(/^pong from run /);
      await met.handle.terminate('test done');
    } finally {
      await client.connection.close();
    }
  });
});
