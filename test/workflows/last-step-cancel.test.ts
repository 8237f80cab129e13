// A cancel that reaches the journey in the same workflow task as the answer of its onboarding's last step: the
// handler takes it (the stage is not LIVE yet), so the journey must end cancelled, as the operator was told.
// Stub activities on the dev server; the last step's activity completes asynchronously while no workflow worker
// polls, so that its answer and the cancel come to the next worker in one task.
import { CompleteAsyncError, Context } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyQuery } from '../../src/domain/journey.js';
import type { NumberEvent } from '../../src/domain/events.js';
import { cancelSignal, numberEventSignal, submitOtpUpdate } from '../../src/domain/messages.js';
import { startJourney } from '../../src/journeys/index.js';
import { keepHistory } from '../support/harness.js';
import { journeyInput } from '../support/journeys.js';
import { journeyStubs } from '../support/stub-activities.js';
import { connectDevServer, uniqueTaskQueue, withWorker, type TestEnv } from '../support/temporal.js';

describe('a cancel that comes with the last step of the onboarding (dev server, stub activities)', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await connectDevServer();
  });
  afterAll(async () => env?.teardown());

  it('ends the journey cancelled, deregistering the number, instead of going LIVE with the cancel taken', async () => {
    const taskQueue = uniqueTaskQueue('last-step');
    let lastStep: Uint8Array | null = null;
    let deregistered = 0;
    const connected = {
      gone: false,
      status: 'CONNECTED',
      codeVerificationStatus: 'VERIFIED',
      nameStatus: 'APPROVED',
      newNameStatus: null,
      verifiedName: 'Acme Support',
      newDisplayName: null,
      isOnBizApp: false,
      platformType: 'CLOUD_API',
    };
    const activities = journeyStubs(env.client, {
      requestCode: async () => ({ certain: true }),
      verifyCode: async () => ({ pin: '123456' }),
      registerNumber: async () => ({ status: 'CONNECTED' }),
      readNumber: async () => connected,
      deregisterNumber: async () => {
        deregistered += 1;
        return { status: 'PENDING' };
      },
      // The last step: answered later, by the test, while no worker polls the journey's tasks.
      enableIdentityCheck: async () => {
        lastStep = Context.current().info.taskToken;
        throw new CompleteAsyncError();
      },
      cancelRun: async ({ workflowId, runId }: { workflowId: string; runId: string }) => {
        await env.client.workflow.getHandle(workflowId, runId).cancel();
      },
    });
    const input = journeyInput({ identityCheck: true });
    const { workflowId } = await startJourney(env.client, taskQueue, input);
    const handle = env.client.workflow.getHandle(workflowId);
    const view = () => handle.query(journeyQuery);
    /** Waits for the stage (bounded), or fails saying where the journey is. */
    const stageOf = async (stage: string) => {
      for (let i = 0; i < 400; i++) {
        if ((await view()).stage === stage) return;
        await pause(25);
      }
      throw new Error(`never reached ${stage}: ${JSON.stringify(await view()).slice(0, 1500)}`);
    };
    await withWorker(env, { taskQueue, activities, cached: true }, async () => {
      await stageOf('AWAITING_OTP');
      await handle.executeUpdate(submitOtpUpdate, { args: [{ code: '123456', actor: 'op@acme' }] });
      await stageOf('DISPLAY_NAME_REVIEW');
      const at = new Date().toISOString();
      const approved = { kind: 'name', decision: 'APPROVED', requestedName: 'Acme Support', rejectionReason: null };
      await handle.signal(numberEventSignal, { ...approved, at, wabaId: input.wabaId } as NumberEvent);
      for (let i = 0; i < 400 && lastStep === null; i++) await pause(25);
      if (lastStep === null)
        throw new Error(`never reached the last step: ${JSON.stringify(await view()).slice(0, 1500)}`);
    });
    // No worker: the last step's answer and the cancel wait in history for the next one.
    await env.client.activity.complete(lastStep as unknown as Uint8Array, undefined);
    await handle.signal(cancelSignal, { actor: 'op@acme', reason: 'wrong number' });
    await withWorker(env, { taskQueue, activities, cached: true }, async () => {
      for (let i = 0; i < 400 && (await handle.describe()).status.name === 'RUNNING'; i++) await pause(25);
      expect((await handle.describe()).status.name).toBe('CANCELLED');
      const ended = await view();
      expect(ended.result).toMatchObject({ outcome: 'CANCELLED', actor: 'op@acme' });
      expect(ended.notes.map((n) => n.what).join('\n')).not.toContain('cancel refused');
      expect(deregistered).toBe(1);
    });
    await keepHistory(env, { workflowId, workflow: 'numberJourney', scenario: 'a cancel with the last step' });
  });
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
