// A worker without the secrets key a run used (taken away too early) replaying that run for a query: the run waits
// and the query is refused, and the worker itself goes on serving other runs (before, the failure thrown from the
// update's handler could make the SDK complete the activation wrongly, and the worker shut down). Dev server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataConverter } from '../../src/codec/data-converter.js';
import { parseCodecKeys } from '../../src/codec/keys.js';
import { parseSecretsKeys } from '../../src/codec/secrets-keys.js';
import { generateSecretsKeyPair } from '../../src/codec/sealing.js';
import { journeyQuery } from '../../src/domain/journey.js';
import { submitOtpUpdate } from '../../src/domain/messages.js';
import { startJourney } from '../../src/journeys/index.js';
import { journeyInput } from '../support/journeys.js';
import { messagesThrough } from '../../src/temporal/unanswered.js';
import { journeyStubs } from '../support/stub-activities.js';
import { terminateWhenIdle } from '../support/quiet-run.js';
import { connectDevServer, TEST_CODEC_KEYS, uniqueTaskQueue, withWorker, type TestEnv } from '../support/temporal.js';

describe('a worker without the secrets key a run used (dev server)', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await connectDevServer();
  });
  afterAll(async () => env?.teardown());

  it('refuses a query whose replay meets an update it cannot open, and keeps serving the other runs', async () => {
    const taskQueue = uniqueTaskQueue('secrets-replay');
    // The code's check at Meta is left out (no verifyCode): the update is answered in the task that took it.
    const activities = journeyStubs(env.client, { requestCode: async () => ({ certain: true }) });
    const startAwaitingCode = async () => {
      const { workflowId } = await startJourney(env.client, taskQueue, journeyInput({}, new Date()), {});
      const handle = env.client.workflow.getHandle(workflowId);
      for (let i = 0; i < 200 && (await handle.query(journeyQuery)).stage !== 'AWAITING_OTP'; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      return handle;
    };
    const affected = await withWorker(env, { taskQueue, activities }, async () => {
      const handle = await startAwaitingCode();
      // A code taken: its update's secret, sealed with the tests' key, is in history.
      await handle.executeUpdate(submitOtpUpdate, { args: [{ code: '000000', actor: 'op@acme' }] });
      return handle;
    });
    // A worker given another secrets key only: it cannot open that update again.
    const other = generateSecretsKeyPair().privateKey;
    const withoutTheKey = createDataConverter(
      parseCodecKeys(TEST_CODEC_KEYS),
      parseSecretsKeys({ NUMBERFLOW_SECRETS_KEY: other }),
    );
    const unaffected = await withWorker(env, { taskQueue, activities, dataConverter: withoutTheKey }, async () => {
      const refused = await affected.query(journeyQuery).then(
        () => null,
        (err: Error) => err,
      );
      // Core fails the replay (the worker's log names the key): the query with it, or it waits for the task and
      // times out.
      expect([...messagesThrough(refused)].join(' ')).toMatch(/Nondeterminism error|Workflow Task in failed state/);
      // The same worker still serves a new run, a few seconds on.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const handle = await startAwaitingCode();
      expect((await handle.query(journeyQuery)).stage).toBe('AWAITING_OTP');
      return handle;
    });
    // Nothing ended: the run waits, its workflow task retried, until a worker holds the key again.
    expect((await affected.describe()).status.name).toBe('RUNNING');
    await withWorker(env, { taskQueue, activities }, async () => {
      await affected.terminate('test done'); // its stubbed Meta keeps an activity retrying: not waited for
      await terminateWhenIdle(env, unaffected.workflowId);
    });
  }, 120_000);
});
