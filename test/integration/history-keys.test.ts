// A worker's or service's payload keys, checked at start against the running runs of its task queues.
import { randomUUID } from 'node:crypto';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataConverter } from '../../src/codec/data-converter.js';
import { checkKeysAtStart, checkKeysOpenRunningRuns } from '../../src/codec/history-keys.js';
import { parseCodecKeys } from '../../src/codec/keys.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { journeyWorkflowId } from '../../src/domain/journey.js';
import { journeyInput } from '../support/journeys.js';
import { listed, until } from '../support/listed.js';
import { withServiceHook } from '../support/service-hook.js';
import { connectDevServer, testSecretsKeys, uniqueTaskQueue, type TestEnv } from '../support/temporal.js';

const key = (id: string, fill: number) => `${id}:${Buffer.alloc(32, fill).toString('base64')}`;
/** The tests' own payload key (TEST_CODEC_KEYS), which most runs below are written with. */
const theirs = key('test-1', 7);
const REMEDY =
  "Give this process the fleet's payload keys; a restored data folder needs the codec-keys of the same backup as its temporal.sqlite (NUMBERFLOW_KEY_CHECK=warn starts anyway)";

describe('the payload keys against the running runs, at start (dev server)', () => {
  let env: TestEnv;
  const started: string[] = [];
  const clientWith = (keys: string) =>
    new Client({
      connection: env.client.connection,
      dataConverter: createDataConverter(parseCodecKeys(keys), testSecretsKeys),
    });
  /** Starts a journey nobody runs on `taskQueue`, its input written with `keys`. */
  const startWith = async (keys: string, taskQueue: string) => {
    const input = journeyInput();
    const workflowId = journeyWorkflowId(input.phoneNumber.e164);
    await clientWith(keys).workflow.start('numberJourney', { taskQueue, workflowId, args: [input] });
    started.push(workflowId);
    return workflowId;
  };
  /** Starts a journey nobody runs on `taskQueue` by hand, its input plain (as `temporal workflow start` would). */
  const startPlain = async (taskQueue: string) => {
    const workflowId = `number:plain-${randomUUID()}`;
    await new Client({ connection: env.client.connection }).workflow.start('numberJourney', {
      taskQueue,
      workflowId,
      args: [{ by: 'hand' }],
    });
    started.push(workflowId);
  };
  const check = async (keys: string, taskQueue: string, onMismatch?: 'refuse' | 'warn', client = env.client) => {
    const warnings: string[] = [];
    const refused = await checkKeysOpenRunningRuns(
      client,
      parseCodecKeys(keys),
      [taskQueue],
      (message) => warnings.push(message),
      onMismatch,
    ).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    return { refused, warnings };
  };

  beforeAll(async () => {
    env = await connectDevServer();
  });
  afterAll(async () => {
    for (const workflowId of started) {
      // The bounds test deletes one.
      await env.client.workflow
        .getHandle(workflowId)
        .terminate('test done')
        .catch((err: unknown) => {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        });
    }
    await env?.teardown();
  });

  it('lets keys through that open the runs, and refuses other keys under their id or keys that open none', async () => {
    const taskQueue = uniqueTaskQueue('history-keys');
    const first = await startWith(theirs, taskQueue);
    const second = await startWith(theirs, taskQueue);
    await listed(env, taskQueue, 2);
    expect(await check(theirs, taskQueue)).toEqual({ refused: undefined, warnings: [] });
    // A rotation: a new active key, the old one kept.
    expect(await check(`${key('test-2', 9)},${theirs}`, taskQueue)).toEqual({ refused: undefined, warnings: [] });
    expect(await check(key('x', 1), uniqueTaskQueue())).toEqual({ refused: undefined, warnings: [] });

    // Another key under the runs' id: refused, naming the key, a run and what to do.
    const { refused: wrongKey } = await check(key('test-1', 8), taskQueue);
    expect(wrongKey).toBeInstanceOf(ConfigError);
    expect(wrongKey?.message).toMatch(
      /^the payload key "test-1" here is not the one 2 of the 2 newest running runs looked at \((number:\S+) the first\) were written with: every task of theirs would fail \(this process holds 'test-1': NUMBERFLOW_CODEC_KEYS, or the data folder's codec-keys\)\. /,
    );
    expect(wrongKey?.message.endsWith(REMEDY)).toBe(true);
    expect([first, second]).toContain(wrongKey?.message.match(/\((number:\S+) the first\)/)?.[1]);

    // Only keys of other ids: two runs, none opens.
    const { refused: noKey } = await check(key('local-deadbeef', 3), taskQueue);
    expect(noKey?.message).toContain(
      `no payload key here opens the running runs: 2 of the 2 newest running runs looked at (`,
    );
    expect(noKey?.message).toContain(`were written with key "test-1" (this process holds 'local-deadbeef'`);
    expect(noKey?.message).not.toContain(Buffer.alloc(32, 7).toString('base64')); // nothing secret in it
    // Told to start anyway, it warns.
    const warned = await check(key('local-deadbeef', 3), taskQueue, 'warn');
    expect(warned.refused).toBeUndefined();
    expect(warned.warnings).toEqual([
      expect.stringMatching(
        /^no payload key here opens the running runs: .*; starting anyway \(NUMBERFLOW_KEY_CHECK=warn\)$/,
      ),
    ]);
  }, 60_000);

  it('warns of a run of a key it lacks, alone or among runs it opens: one run is no sample', async () => {
    const alone = uniqueTaskQueue('history-keys-alone');
    const stray = await startWith(key('test-old', 5), alone);
    await listed(env, alone, 1);
    const lacks = (count: number) =>
      `1 of the ${count} newest running runs looked at (${stray} the first) were written with payload key "test-old", which this process lacks (rotated out while runs still needed it?): their workflow tasks fail until a worker holds it`;
    expect(await check(theirs, alone)).toEqual({ refused: undefined, warnings: [lacks(1)] });
    await startWith(theirs, alone);
    await listed(env, alone, 2);
    const { refused, warnings } = await check(theirs, alone);
    expect(refused).toBeUndefined();
    expect(warnings).toEqual([lacks(2)]);
  }, 60_000);

  it("passes over another client's key check and runs started with plain payloads", async () => {
    const taskQueue = uniqueTaskQueue('history-keys-others');
    await startWith(theirs, taskQueue);
    // A client with another key under the same id checks the worker's keys (a keyCheck run, newest on the queue).
    const probe = `key-check:${randomUUID()}`;
    await clientWith(key('test-1', 8)).workflow.start('keyCheck', {
      taskQueue,
      workflowId: probe,
      args: [{ nonce: 'n' }],
    });
    started.push(probe);
    await startPlain(taskQueue); // a journey started by hand with a plain input
    await listed(env, taskQueue, 3);
    expect(await check(theirs, taskQueue)).toEqual({ refused: undefined, warnings: [] });
    // Keys that open nothing: the plain run is no run opened, nor the probe one looked at; one run is no sample.
    const { refused, warnings } = await check(key('local-deadbeef', 3), taskQueue);
    expect(refused).toBeUndefined();
    expect(warnings).toEqual([expect.stringContaining('1 of the 1 newest running runs looked at')]);
  }, 60_000);

  it('reads at most 20 histories, and passes over a run deleted since it was listed', async () => {
    const taskQueue = uniqueTaskQueue('history-keys-bounds');
    // Oldest first: 5 runs of a key the check lacks, then 25 started by hand (plain), the newest listed first.
    for (let i = 0; i < 5; i++) await startWith(key('test-old', 5), taskQueue);
    for (let i = 0; i < 25; i++) await startPlain(taskQueue);
    await listed(env, taskQueue, 30);
    // The real server's answers, counted; the first run read is deleted just before its history is asked for.
    const reads: string[] = [];
    const service = env.client.workflowService;
    const deleteFirst = async (execution: { workflowId: string; runId: string }) => {
      const { namespace } = env.client.options;
      await service.deleteWorkflowExecution({ namespace, workflowExecution: execution });
      await until(
        () =>
          service.describeWorkflowExecution({ namespace, execution }).then(
            () => null,
            (err: { code?: number }) => (err.code === 5 ? true : null),
          ),
        'the run deleted',
      );
    };
    const counted = withServiceHook(env.client, 'getWorkflowExecutionHistory', async (request) => {
      const execution = { workflowId: request.execution?.workflowId ?? '', runId: request.execution?.runId ?? '' };
      reads.push(execution.workflowId);
      if (reads.length === 1) await deleteFirst(execution);
    });
    // 20 read: the deleted one and 19 plain ones; none of the other key's reached, so nothing to say.
    expect(await check(key('mine', 1), taskQueue, 'refuse', counted)).toEqual({ refused: undefined, warnings: [] });
    expect(reads).toHaveLength(20);
    expect(reads.every((id) => id.startsWith('number:plain-'))).toBe(true);
  }, 120_000);

  it('refuses or warns as NUMBERFLOW_KEY_CHECK says, on the queues the configuration names', async () => {
    const taskQueue = uniqueTaskQueue('history-keys-config');
    // One run on the journeys' queue, one on the portfolios' (`<queue>-portfolios` by default): both are looked at.
    await startWith(theirs, taskQueue);
    await startWith(theirs, `${taskQueue}-portfolios`);
    await listed(env, taskQueue, 1);
    await listed(env, `${taskQueue}-portfolios`, 1);
    const config = (check?: string) =>
      loadConfig({ TEMPORAL_TASK_QUEUE: taskQueue, NUMBERFLOW_KEY_CHECK: check, NUMBERFLOW_DATA_DIR: '/tmp/unused' });
    const keys = parseCodecKeys(key('mine', 1));
    const warnings: string[] = [];
    const logger = { warn: (message: string) => warnings.push(message) };
    await expect(checkKeysAtStart(env.client, keys, config(), logger)).rejects.toThrow(
      /^no payload key here opens the running runs: 2 of the 2 newest running runs looked at/,
    );
    await checkKeysAtStart(env.client, keys, config('warn'), logger);
    expect(warnings).toEqual([expect.stringMatching(/starting anyway \(NUMBERFLOW_KEY_CHECK=warn\)$/)]);
    // Another queue's runs are not this configuration's.
    const elsewhere = loadConfig({ TEMPORAL_TASK_QUEUE: uniqueTaskQueue(), NUMBERFLOW_DATA_DIR: '/tmp/unused' });
    await checkKeysAtStart(env.client, keys, elsewhere, logger);
    expect(warnings).toHaveLength(1);
    expect(() => config('never')).toThrow(/NUMBERFLOW_KEY_CHECK/);
  }, 60_000);
});
