// Payloads encrypted with a key the worker does not hold: the workflow fails at once naming the key (freeing the
// number's workflow id), an update is refused, a signal dropped; a running journey carries on.
import { Client, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createDataConverter } from '../../src/codec/data-converter.js';
import { parseCodecKeys } from '../../src/codec/keys.js';
import { journeyQuery } from '../../src/domain/journey.js';
import { cancelSignal, submitOtpUpdate } from '../../src/domain/messages.js';
import { portfolioWorkflowId } from '../../src/domain/portfolio.js';
import { startJourney } from '../../src/journeys/index.js';
import { useBench } from '../support/bench.js';
import { TEST_CODEC_KEYS, testSecretsKeys } from '../support/temporal.js';
import { generateSecretsKeyPair } from '../../src/codec/sealing.js';
import { parseSecretsKeys } from '../../src/codec/secrets-keys.js';
import { freshId } from '../support/journeys.js';

/** A client of the same cluster with other payload keys: another id, or the worker's id with other bytes. */
const foreignKeys = {
  'another id': `other-1:${Buffer.alloc(32, 9).toString('base64')}`,
  'the same id, another key': `test-1:${Buffer.alloc(32, 9).toString('base64')}`,
};

describe('payloads the worker cannot decrypt (dev server + Graph sandbox)', () => {
  const t = useBench('dev', { record: false }); // its histories hold payloads of another key;
  const foreignClient = (keys: string) =>
    new Client({
      connection: t.env.client.connection,
      dataConverter: createDataConverter(parseCodecKeys(keys), testSecretsKeys),
    });

  it.each(Object.entries(foreignKeys))(
    'fails a journey started with %s at once, naming the key, and the number can start again',
    async (_, keys) => {
      await t.bench.run(async () => {
        const input = t.bench.input();
        const started = performance.now();
        const { workflowId } = await startJourney(foreignClient(keys), t.bench.taskQueue, input);
        const handle = t.env.client.workflow.getHandle(workflowId);
        const failure = await handle.result().then(
          () => undefined,
          (err: unknown) => err,
        );
        const elapsedMs = performance.now() - started;
        console.log(`[figure] foreign-key journey failed after ${Math.round(elapsedMs)} ms`);
        expect(failure).toBeInstanceOf(WorkflowFailedError);
        expect((failure as WorkflowFailedError).cause?.message).toMatch(/^payload encrypted with key '(other|test)-1'/);
        expect(elapsedMs).toBeLessThan(5_000);
        expect((await handle.describe()).status.name).toBe('FAILED');

        const again = await t.bench.start(input);
        await again.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP with the right key');
        await handle.terminate('test done');
      });
    },
  );

  it('refuses an update and drops a signal sent with another key, and the journey carries on', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      const foreign = foreignClient(foreignKeys['another id']).workflow.getHandle(journey.workflowId);
      const refused = await foreign
        .executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'intruder@acme' }] })
        .catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((refused as WorkflowUpdateFailedError).cause?.message).toContain("key 'other-1'");
      await foreign.signal(cancelSignal, { actor: 'intruder@acme', reason: 'foreign' });

      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      expect(await handle.query(journeyQuery)).toMatchObject({ stage: 'AWAITING_OTP', result: null });
      const outcome = await handle.executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'operator@acme' }] });
      expect(outcome.accepted).toBe(true);
      await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW after the foreign input');
      expect((await handle.describe()).status.name).toBe('RUNNING');
      await handle.terminate('test done');
    });
  });

  it('refuses a code sealed with a secrets key the worker does not hold, naming that key', async () => {
    await t.bench.run(async () => {
      const journey = await t.bench.start(t.bench.input());
      const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
      const otherPair = parseSecretsKeys({ NUMBERFLOW_SECRETS_PUBLIC_KEY: generateSecretsKeyPair().publicKey });
      const sealingElsewhere = new Client({
        connection: t.env.client.connection,
        dataConverter: createDataConverter(parseCodecKeys(TEST_CODEC_KEYS), otherPair),
      });
      const refused = await sealingElsewhere.workflow
        .getHandle(journey.workflowId)
        .executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'operator@acme' }] })
        .catch((err: unknown) => err);
      expect((refused as WorkflowUpdateFailedError).cause?.message).toBe(
        `a secret in the payload is sealed with secrets key '${otherPair.seal.kid}' which this worker does not hold; ` +
          'give the worker the NUMBERFLOW_SECRETS_KEY whose public key the client seals with (NUMBERFLOW_SECRETS_PUBLIC_KEY) and send it again',
      );
      expect(await journey.view()).toMatchObject({ stage: 'AWAITING_OTP', attempts: { wrongCodes: 0 } });
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('fails a portfolio started with another key, naming the key', async () => {
    await t.bench.run(async () => {
      const portfolioId = freshId();
      const handle = await foreignClient(foreignKeys['another id']).workflow.start('portfolio', {
        taskQueue: t.bench.taskQueue,
        workflowId: portfolioWorkflowId(portfolioId),
        args: [{ portfolioId, cap: 2 }],
      });
      const failure = await t.env.client.workflow
        .getHandle(handle.workflowId)
        .result()
        .catch((err: unknown) => err);
      expect((failure as WorkflowFailedError).cause?.message).toContain(
        "key 'other-1' which this worker does not hold",
      );
    });
  });
});
