// A worker's or service's payload keys, checked at start against the running runs of its task queues.
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataConverter } from '../../src/codec/data-converter.js';
import { checkKeysOpenRunningRuns } from '../../src/codec/history-keys.js';
import { parseCodecKeys } from '../../src/codec/keys.js';
import { ConfigError } from '../../src/config.js';
import { journeyWorkflowId } from '../../src/domain/journey.js';
import { journeyInput } from '../support/journeys.js';
import { listed } from '../support/listed.js';
import { connectDevServer, testSecretsKeys, uniqueTaskQueue, type TestEnv } from '../support/temporal.js';

const key = (id: string, fill: number) => `${id}:${Buffer.alloc(32, fill).toString('base64')}`;
/** The tests' own payload key (TEST_CODEC_KEYS), which the runs below are written with. */
const theirs = key('test-1', 7);

describe('the payload keys against the running runs, at start (dev server)', () => {
  let env: TestEnv;
  const taskQueue = uniqueTaskQueue('history-keys');
  const started: string[] = [];
  /** Starts a journey nobody runs on `taskQueue`, its input written with `keys`. */
  const startWith = async (keys: string) => {
    const client = new Client({
      connection: env.client.connection,
      dataConverter: createDataConverter(parseCodecKeys(keys), testSecretsKeys),
    });
    const input = journeyInput();
    const workflowId = journeyWorkflowId(input.phoneNumber.e164);
    await client.workflow.start('numberJourney', { taskQueue, workflowId, args: [input] });
    started.push(workflowId);
    return workflowId;
  };
  const check = async (keys: string) => {
    const warnings: string[] = [];
    const refused = await checkKeysOpenRunningRuns(env.client, parseCodecKeys(keys), [taskQueue], (message) =>
      warnings.push(message),
    ).then(
      () => undefined,
      (err: unknown) => err,
    );
    return { refused, warnings };
  };

  beforeAll(async () => {
    env = await connectDevServer();
  });
  afterAll(async () => {
    for (const workflowId of started) await env.client.workflow.getHandle(workflowId).terminate('test done');
    await env?.teardown();
  });

  it('lets keys through that open the runs, and keys on queues with no run', async () => {
    const first = await startWith(theirs);
    await startWith(theirs);
    await listed(env, taskQueue, 2);
    expect(await check(theirs)).toEqual({ refused: undefined, warnings: [] });
    // A rotation: a new active key, the old one kept.
    expect(await check(`${key('test-2', 9)},${theirs}`)).toEqual({ refused: undefined, warnings: [] });
    const empty = await checkKeysOpenRunningRuns(env.client, parseCodecKeys(key('x', 1)), [uniqueTaskQueue()], () => {
      throw new Error('no warning expected');
    });
    expect(empty).toBeUndefined();

    // Another key under the runs' id: refused, naming the key, the runs and what to do.
    const { refused: wrongKey } = await check(key('test-1', 8));
    expect(wrongKey).toBeInstanceOf(ConfigError);
    expect((wrongKey as Error).message).toMatch(
      /^the payload key "test-1" here is not the one 2 of the 2 newest running runs looked at \(number:\S+ the first\) were written with: every task of theirs would fail \(this process holds 'test-1': NUMBERFLOW_CODEC_KEYS, or the data folder's codec-keys\)\. Give this process the fleet's payload keys; a restored data folder needs the codec-keys of the same backup as its temporal\.sqlite$/,
    );
    expect([first, ...started]).toContain((wrongKey as Error).message.match(/\((number:\S+) the first\)/)?.[1]);

    // Only keys of other ids: nothing opens.
    const { refused: noKey } = await check(key('local-deadbeef', 3));
    expect((noKey as Error).message).toContain(
      `no payload key here opens the running runs: 2 of the 2 newest running runs looked at`,
    );
    expect((noKey as Error).message).toContain(`were written with key "test-1" (this process holds 'local-deadbeef'`);
    // Nothing secret in what it says.
    expect((noKey as Error).message).not.toContain(Buffer.alloc(32, 7).toString('base64'));
  }, 60_000);

  it('warns of runs written with a key it lacks among runs it opens, and starts', async () => {
    const stray = await startWith(key('test-old', 5));
    await listed(env, taskQueue, 3);
    const { refused, warnings } = await check(theirs);
    expect(refused).toBeUndefined();
    expect(warnings).toEqual([
      `1 of the 3 newest running runs looked at (${stray} the first) were written with payload key "test-old", which this process lacks (rotated out while runs still needed it?): their workflow tasks fail until a worker holds it`,
    ]);
  }, 60_000);
});
