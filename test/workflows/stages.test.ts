// Stage tests: the real journey workflow with stub activities on the time-skipping server — fast, no Graph.
// The full-stack scenarios (dev server + the Graph sandbox) are in test/journeys.
import { journeyPolicy } from '../../src/domain/policy.js';
import { WorkflowFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities } from '../../src/activities/index.js';
import { UNDECRYPTABLE_FAILURE_TYPE, undecryptableMarker } from '../../src/codec/undecryptable.js';
import { createDataConverter } from '../../src/codec/data-converter.js';
import { parseCodecKeys } from '../../src/codec/keys.js';
import { journeyQuery } from '../../src/domain/journey.js';
import { resendCodeSignal, submitOtpUpdate } from '../../src/domain/messages.js';
import { toActivityFailure } from '../../src/activities/failures.js';
import { GraphError } from '../../src/graph/errors.js';
import { startJourney } from '../../src/journeys/index.js';
import { journeyInput } from '../support/journeys.js';
import { journeyStubs } from '../support/stub-activities.js';
import { terminateWhenIdle } from '../support/quiet-run.js';
import {
  connectTimeSkippingServer,
  testSecretsKeys,
  uniqueTaskQueue,
  withWorker,
  type TestEnv,
} from '../support/temporal.js';

const DAY = 24 * 60 * 60 * 1000;

describe('journey stages with stub activities (time-skipping server)', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await connectTimeSkippingServer();
  });
  afterAll(async () => env?.teardown());

  /** Activities that take the journey to its code request: a slot granted at once, a number added. */
  const stubs = (overrides: Partial<Activities>): Partial<Activities> => journeyStubs(env.client, overrides);

  const start = async (taskQueue: string, overrides: Parameters<typeof journeyInput>[0] = {}) => {
    const now = new Date(await env.currentTimeMs());
    const input = journeyInput(overrides, now);
    const { workflowId } = await startJourney(env.client, taskQueue, input, { withoutSearchAttributes: true });
    const handle = env.client.workflow.getHandle(workflowId);
    const until = async (what: string, predicate: (v: Awaited<ReturnType<typeof view>>) => boolean) => {
      for (let i = 0; i < 200; i++) {
        const v = await view();
        if (predicate(v)) return v;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`never reached ${what}`);
    };
    const view = () => handle.query(journeyQuery);
    return { handle, until };
  };

  it('never repeats a code request that may have reached Meta, counts it, and tells the operator', async () => {
    const taskQueue = uniqueTaskQueue('stages');
    let requests = 0;
    const activities = stubs({
      requestCode: async () => {
        requests += 1;
        return { certain: false };
      },
    });
    await withWorker(env, { taskQueue, activities, cached: true }, async () => {
      const { handle, until } = await start(taskQueue);
      const view = await until('AWAITING_OTP', (v) => v.stage === 'AWAITING_OTP');
      expect(requests).toBe(1);
      expect(view.attempts.codeRequests).toBe(1);
      expect(view.notes.at(-1)?.what).toContain('Meta may have sent a code by SMS but did not confirm it');
      await terminateWhenIdle(env, handle.workflowId);
    });
  });

  it('waits for its own new code when Meta refuses a resend after the code it sent expired', async () => {
    const taskQueue = uniqueTaskQueue('stages');
    let requests = 0;
    const activities = stubs({
      requestCode: async () => {
        requests += 1;
        if (requests !== 2) return { certain: true };
        throw toActivityFailure(new GraphError({ code: 136024, message: 'Request code error', httpStatus: 400 }));
      },
    });
    await withWorker(env, { taskQueue, activities, cached: true }, async () => {
      const { handle, until } = await start(taskQueue);
      await until('AWAITING_OTP', (v) => v.stage === 'AWAITING_OTP');
      await env.sleep(11 * 60_000); // Meta's code (10 minutes) has expired; the journey's wait (15) has not
      await handle.signal(resendCodeSignal, { actor: 'op@acme' });
      const refused = await until('the refusal noted', (v) => v.notes.some((n) => n.what.includes('has expired')));
      expect(refused).toMatchObject({ stage: 'AWAITING_OTP', result: null });
      expect(refused.notes.at(-1)?.what).toMatch(
        /Meta error 136024 .*; the code sent before has expired: numberflow asks Meta once more when its wait ends at \S+Z \(refused again, the journey ends FAILED\), or ask again later$/,
      );
      // It asks Meta by itself an hour after the refusal (Meta's limit outlasts a code's wait), not before.
      const asksAt = Date.parse(refused.waiting?.until ?? '');
      const refusedAt = Date.parse(refused.notes.at(-1)?.at ?? '');
      expect(asksAt - refusedAt).toBe(journeyPolicy.codeRefusedWaitMs);
      await env.sleep(5 * 60_000); // the code's own wait has ended: no ask yet
      expect(requests).toBe(2);
      await env.sleep(journeyPolicy.codeRefusedWaitMs);
      await until('a code asked anew', () => requests === 3);
      await terminateWhenIdle(env, handle.workflowId);
    });
  });

  it('ends PIN_NOT_SUBMITTED, from the catalog, when no operator chooses the PIN within 7 days', async () => {
    const taskQueue = uniqueTaskQueue('stages');
    const phoneNumberId = '1002';
    const activities = stubs({
      readNumber: async () => ({
        gone: false,
        status: 'PENDING',
        codeVerificationStatus: 'VERIFIED',
        nameStatus: null,
        newNameStatus: null,
        verifiedName: 'Acme Support',
        newDisplayName: null,
        isOnBizApp: false,
        platformType: 'NOT_APPLICABLE',
      }),
    });
    await withWorker(env, { taskQueue, activities, cached: true }, async () => {
      const { handle, until } = await start(taskQueue, { phoneNumberId, pinPolicy: 'operator' });
      await until('AWAITING_PIN', (v) => v.stage === 'AWAITING_PIN');
      await env.sleep(7 * DAY + 60_000);
      const view = await until('the end', (v) => v.result !== null);
      expect(view.result).toMatchObject({
        outcome: 'FAILED',
        reasonCode: 'PIN_NOT_SUBMITTED',
        reason: 'no two-step PIN was submitted in time',
      });
      expect(view.result?.remediation).toContain('two-step verification');
      expect((await handle.describe()).status.name).toBe('COMPLETED');
    });
  });

  it('registers with the PIN the verify call drew: no local activity draws another', async () => {
    const taskQueue = uniqueTaskQueue('stages');
    const asked: unknown[] = [];
    let registeredWith: string | null = null;
    const activities = stubs({
      requestCode: async () => ({ certain: true }),
      verifyCode: async (_ref, _code, options) => {
        asked.push(options);
        return { pin: '246810' };
      },
      generatePin: async () => {
        throw new Error('the PIN was drawn already');
      },
      registerNumber: async (_ref, { pin }) => {
        registeredWith = pin;
        return { status: 'CONNECTED' };
      },
    });
    await withWorker(env, { taskQueue, activities, cached: true }, async () => {
      const { handle, until } = await start(taskQueue);
      await until('AWAITING_OTP', (v) => v.stage === 'AWAITING_OTP');
      const answer = await handle.executeUpdate(submitOtpUpdate, { args: [{ code: '123456', actor: 'op@acme' }] });
      expect(answer).toMatchObject({ accepted: true, message: 'code accepted' });
      await until('registered', () => registeredWith !== null);
      expect(registeredWith).toBe('246810');
      expect(asked).toEqual([{ repeat: false, drawPin: true }]);
      await terminateWhenIdle(env, handle.workflowId);
    });
  });

  it('waits, naming the key, when a worker replays a history whose key it no longer holds; goes on once it has it', async () => {
    const taskQueue = uniqueTaskQueue('stages');
    let codeRequests = 0;
    const activities = stubs({
      requestCode: async () => {
        codeRequests++;
        return { certain: true };
      },
    });
    const { handle, until } = await withWorker(env, { taskQueue, activities }, async () => {
      const started = await start(taskQueue);
      await started.until('AWAITING_OTP', (v) => v.stage === 'AWAITING_OTP');
      return started;
    });
    // A worker given another key only (the old one taken away too early) replays the history on the next task.
    const otherKey = createDataConverter(
      parseCodecKeys(`test-2:${Buffer.alloc(32, 9).toString('base64')}`),
      testSecretsKeys,
    );
    const failedTask = async () => {
      const { events } = await handle.fetchHistory();
      return events?.findLast((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes;
    };
    await withWorker(env, { taskQueue, activities, dataConverter: otherKey }, async () => {
      await handle.signal(resendCodeSignal, { actor: 'op@acme' });
      for (let i = 0; i < 200 && !(await failedTask()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    });
    expect((await failedTask())?.failure?.message).toBe(
      "cannot replay this workflow's history: a payload encrypted with key 'test-1', which this worker does not " +
        'hold — put it back in NUMBERFLOW_CODEC_KEYS (a key stays while a run that used it is open); a running ' +
        'workflow waits, its workflow task retried, until a worker holds it',
    );
    expect((await handle.describe()).status.name).toBe('RUNNING'); // not failed, not ended
    // The key back: the task goes through, and the resend with it.
    await withWorker(env, { taskQueue, activities }, async () => {
      await until('a second code', (v) => v.attempts.codeRequests === 2);
      expect(codeRequests).toBe(2);
      await terminateWhenIdle(env, handle.workflowId);
    });
  });

  it("asks an operator, saying why, when the earlier journey's PIN is sealed with a key the worker lacks", async () => {
    const taskQueue = uniqueTaskQueue('stages');
    const sealedElsewhere = undecryptableMarker({ keyId: 'rotated-out', reason: 'unknown-key', layer: 'secret' });
    const activities = stubs({
      requestCode: async () => ({ certain: true }),
      verifyCode: async () => ({ pin: '246810' }),
      registerNumber: async () => {
        throw toActivityFailure(new GraphError({ code: 133005, message: 'PIN mismatch', httpStatus: 400 }));
      },
      rememberedPin: async () => sealedElsewhere as unknown as { pin: string | null },
    });
    await withWorker(env, { taskQueue, activities, cached: true }, async () => {
      const { handle, until } = await start(taskQueue);
      await until('AWAITING_OTP', (v) => v.stage === 'AWAITING_OTP');
      await handle.executeUpdate(submitOtpUpdate, { args: [{ code: '123456', actor: 'op@acme' }] });
      const waiting = await until('AWAITING_PIN', (v) => v.stage === 'AWAITING_PIN');
      expect(waiting.notes.map((n) => n.what)).toContainEqual(
        expect.stringMatching(
          /^could not open the PIN of an earlier journey \(a secret in the payload is sealed with secrets key 'rotated-out'/,
        ),
      );
      await terminateWhenIdle(env, handle.workflowId);
    });
  });

  it('fails the journey, naming the key, when the drawn PIN is sealed with a key the worker lacks', async () => {
    const taskQueue = uniqueTaskQueue('stages');
    const sealedElsewhere = undecryptableMarker({ keyId: 'rotated-out', reason: 'unknown-key', layer: 'secret' });
    const activities = stubs({
      requestCode: async () => ({ certain: true }),
      verifyCode: async () => sealedElsewhere as unknown as { pin: string },
    });
    await withWorker(env, { taskQueue, activities, cached: true }, async () => {
      const { handle, until } = await start(taskQueue);
      await until('AWAITING_OTP', (v) => v.stage === 'AWAITING_OTP');
      await handle.startUpdate(submitOtpUpdate, {
        args: [{ code: '123456', actor: 'op@acme' }],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
      const failure = await handle.result().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect((failure as WorkflowFailedError).cause).toMatchObject({
        type: UNDECRYPTABLE_FAILURE_TYPE,
        message: expect.stringContaining("secrets key 'rotated-out'"),
      });
    });
  });
});
