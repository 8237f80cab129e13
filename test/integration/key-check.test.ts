// The command line checks that its payload keys match the worker's before it sends anything.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDataConverter } from '../../src/codec/data-converter.js';
import { checkWorkerKeys } from '../../src/codec/key-probe.js';
import { parseCodecKeys } from '../../src/codec/keys.js';
import { journeyWorkflowId } from '../../src/domain/journey.js';
import { buildCli } from '../../src/starter.js';
import { journeyInput } from '../support/journeys.js';
import {
  connectDevServer,
  TEST_CODEC_KEYS,
  TEST_SECRETS_PUBLIC_KEY,
  testSecretsKeys,
  uniqueTaskQueue,
  withWorker,
  type TestEnv,
} from '../support/temporal.js';

const key = (fill: number) => Buffer.alloc(32, fill).toString('base64');

describe("the command line's payload-key check (dev server)", () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await connectDevServer();
    process.env.TEMPORAL_ADDRESS = inject('devServerAddress');
    process.env.NUMBERFLOW_SECRETS_PUBLIC_KEY = TEST_SECRETS_PUBLIC_KEY; // a client seals with the public key only
  });
  afterAll(async () => env?.teardown());

  /** `numberflow start` for a fresh number with these keys; answers what it printed or threw. */
  async function startWith(keys: string, taskQueue: string): Promise<{ phone: string; error: Error | undefined }> {
    Object.assign(process.env, { TEMPORAL_TASK_QUEUE: taskQueue, NUMBERFLOW_CODEC_KEYS: keys });
    const phone = journeyInput().phoneNumber.e164;
    const args = ['start', '--waba', '11', '--portfolio', '22', '--phone', phone, '--display-name', 'Acme'];
    const error = await buildCli(() => undefined, { throwOnExit: true })
      .parseAsync(args, { from: 'user' })
      .then(
        () => undefined,
        (err: unknown) => err as Error,
      );
    return { phone, error };
  }

  const neverStarted = (phone: string) =>
    expect(env.client.workflow.getHandle(journeyWorkflowId(phone)).describe()).rejects.toThrow(/not found/i);

  it.each([
    ['another key id', `other-1:${key(9)}`, "payload encrypted with key 'other-1' which this worker does not hold"],
    [
      'the same id, another key',
      `test-1:${key(9)}`,
      "payload encrypted with key 'test-1' but this worker holds another key of that id",
    ],
  ])('refuses to start a journey when the worker does not hold its key (%s)', async (_, keys, message) => {
    const taskQueue = uniqueTaskQueue();
    const { phone, error } = await withWorker(env, { taskQueue }, () => startWith(keys, taskQueue));
    expect(error?.message).toContain(`the worker on task queue ${taskQueue} cannot read this client: ${message}`);
    await neverStarted(phone);
  });

  it('refuses when the worker encrypts with a key the command line does not hold', async () => {
    const taskQueue = uniqueTaskQueue();
    const rotated = createDataConverter(parseCodecKeys(`new-2:${key(3)},${TEST_CODEC_KEYS}`), testSecretsKeys);
    const { phone, error } = await withWorker(env, { taskQueue, dataConverter: rotated }, () =>
      startWith(TEST_CODEC_KEYS, taskQueue),
    );
    expect(error?.message).toBe(
      `the worker on task queue ${taskQueue} answers with key 'new-2', which this client does not hold ` +
        `(this client holds 'test-1': NUMBERFLOW_CODEC_KEYS, or the data folder's codec-keys)`,
    );
    await neverStarted(phone);
  });

  it('refuses at once when no worker polls the task queue', async () => {
    const taskQueue = uniqueTaskQueue();
    const started = performance.now();
    const { phone, error } = await startWith(TEST_CODEC_KEYS, taskQueue);
    expect(error?.message).toBe(
      `no worker is polling task queue ${taskQueue} in namespace "default" (TEMPORAL_NAMESPACE); start one (npm start, or npm run worker beside a cluster)`,
    );
    expect(performance.now() - started).toBeLessThan(4_000); // a second's look for a worker just starting, no 5 s probe
    await neverStarted(phone);
  });

  it('waits longer for a worker that polls but is busy, saying so, rather than call it absent', async () => {
    const taskQueue = uniqueTaskQueue();
    const keys = parseCodecKeys(TEST_CODEC_KEYS);
    const notices: string[] = [];
    // No time at all for the first answer: as when a bulk start's tasks are ahead of the check in the queue.
    await withWorker(env, { taskQueue }, () =>
      checkWorkerKeys(env.client, { taskQueue, keys, timeoutMs: 1, onBusy: (notice) => notices.push(notice) }),
    );
    expect(notices).toEqual([
      `the worker on task queue ${taskQueue} has not answered the payload-key check within 1 ms: it is busy with the tasks ahead of it (a bulk start?), or stopped within the last minute; waiting up to 50 s more`,
    ]);
  });

  it('passes in tens of milliseconds when the keys match, and leaves no probe running', async () => {
    const taskQueue = uniqueTaskQueue();
    const keys = parseCodecKeys(TEST_CODEC_KEYS);
    const timings = await withWorker(env, { taskQueue }, async () => {
      const measured: number[] = [];
      for (let i = 0; i < 10; i++) {
        const started = performance.now();
        await checkWorkerKeys(env.client, { taskQueue, keys });
        measured.push(performance.now() - started);
      }
      return measured.sort((a, b) => a - b);
    });
    const median = timings[5] as number;
    console.log(`[figure] key check: median ${Math.round(median)} ms, max ${Math.round(timings[9] as number)} ms`);
    expect(median).toBeLessThan(1_000);
    const running = env.client.workflow.list({
      query: `WorkflowType = 'keyCheck' AND TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
    });
    // Visibility may lag a probe that has just closed: the execution itself says whether it still runs.
    for await (const execution of running) {
      const { status } = await env.client.workflow.getHandle(execution.workflowId, execution.runId).describe();
      if (status.name === 'RUNNING') throw new Error(`probe left running: ${execution.workflowId}`);
    }
  });
});
