import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyQuery, journeyWorkflowId, SIGNUP_WINDOW_MS } from '../../src/domain/journey.js';
import { NumberStage } from '../../src/domain/search-attributes.js';
import { createStartOnce, JourneyConflictError, describeJourney, startJourney } from '../../src/journeys/index.js';
import { buildCli } from '../../src/starter.js';
import { inject } from 'vitest';
import { journeyInput, queuedAtCapacity } from '../support/journeys.js';
import {
  connectDevServer,
  TEST_CODEC_KEYS,
  TEST_SECRETS_PUBLIC_KEY,
  uniqueTaskQueue,
  withWorker,
  type TestEnv,
} from '../support/temporal.js';

describe('starting a journey (dev server)', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await connectDevServer();
  });
  afterAll(async () => env?.teardown());

  it('answers the journey query with the stage, the number and the signup deadline', async () => {
    const taskQueue = uniqueTaskQueue();
    // The window runs on the server's clock: a signup a day old keeps 13 days of it whatever day the suite runs.
    const signupAt = new Date(Date.now() - 24 * 3600_000);
    const input = journeyInput({ signupAt: signupAt.toISOString() });
    const view = await withWorker(env, { taskQueue, activities: queuedAtCapacity }, async () => {
      await startJourney(env.client, taskQueue, input);
      return describeJourney(env.client, input.phoneNumber.e164);
    });
    expect(view).toMatchObject({
      e164: input.phoneNumber.e164,
      wabaId: input.wabaId,
      portfolioId: input.portfolioId,
      stage: 'WAITING_FOR_CAPACITY',
      phoneNumberId: null,
      deadlines: { signupExpiresAt: new Date(signupAt.getTime() + SIGNUP_WINDOW_MS).toISOString() },
      result: null,
    });
    await env.client.workflow.getHandle(journeyWorkflowId(input.phoneNumber.e164)).terminate('test done');
  });

  it('tells a second request for a live number that its removal, not a cancel, ends its journey', async () => {
    const taskQueue = uniqueTaskQueue(); // no worker: the journey stays as started, in the stage it is given
    const startOnce = createStartOnce(env.client, taskQueue);
    const idempotency = (key: string) => ({ key, requestHash: key });
    for (const [stage, wayOut] of [
      ['LIVE', 'the number is live: an admin removes it (its journey then ends), and a new journey may start'],
      ['REMOVING', 'the number is being removed: a new journey may start once the removal has ended'],
      ['AWAITING_OTP', 'or cancel it first if it has not gone live (a live number is removed instead)'],
    ] as const) {
      const input = journeyInput();
      const workflowId = journeyWorkflowId(input.phoneNumber.e164);
      await env.client.workflow.start('numberJourney', {
        taskQueue,
        workflowId,
        args: [input],
        typedSearchAttributes: [{ key: NumberStage, value: stage }],
      });
      const refused = await startOnce(input, idempotency(`second-${stage}`)).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(JourneyConflictError);
      expect((refused as Error).message).toContain(`started by another request; follow that journey, ${wayOut}`);
      await env.client.workflow.getHandle(workflowId).terminate('test done');
    }
  });

  it('refuses a second journey for the same number as a conflict', async () => {
    const taskQueue = uniqueTaskQueue();
    const input = journeyInput();
    const first = await startJourney(env.client, taskQueue, input);
    await expect(startJourney(env.client, taskQueue, { ...input, displayName: 'Other' })).rejects.toThrow(
      JourneyConflictError,
    );
    // Which run, and the way out by the stage it shows (a start under a key says the same).
    await expect(startJourney(env.client, taskQueue, input)).rejects.toThrow(
      `${input.phoneNumber.e164} already has a journey in progress (${first.workflowId}, run ${first.runId}); a number can be onboarded by one journey at a time: follow that journey, or cancel it first if it has not gone live (a live number is removed instead)`,
    );
    const handle = env.client.workflow.getHandle(first.workflowId);
    expect((await handle.describe()).runId).toBe(first.runId);
    await handle.terminate('test done');
  });

  it('finds journeys by stage and portfolio with one visibility query', async () => {
    const taskQueue = uniqueTaskQueue();
    const portfolioId = String(Date.now());
    const input = journeyInput({ portfolioId });
    const { workflowId } = await startJourney(env.client, taskQueue, input);
    const query = `NumberStage = 'WAITING_FOR_CAPACITY' AND PortfolioId = '${portfolioId}'`;
    let found: string[] = [];
    for (let attempt = 0; attempt < 50 && found.length === 0; attempt++) {
      found = [];
      for await (const execution of env.client.workflow.list({ query })) found.push(execution.workflowId);
      if (found.length === 0) await new Promise((r) => setTimeout(r, 100)); // visibility is eventually consistent
    }
    expect(found).toEqual([workflowId]);
    await env.client.workflow.getHandle(workflowId).terminate('test done');
  });

  it('refuses an invalid phone number on the command line before any workflow starts', async () => {
    process.env.TEMPORAL_ADDRESS = inject('devServerAddress');
    const lines: string[] = [];
    const cli = buildCli((line) => lines.push(line), { throwOnExit: true });
    await expect(
      cli.parseAsync(
        ['start', '--waba', '1', '--portfolio', '2', '--phone', '+1 415 078 3881', '--display-name', 'Acme'],
        { from: 'user' },
      ),
    ).rejects.toThrow('--phone: "+1 415 078 3881" is not a valid number for country calling code +1');
    expect(lines).toEqual([]);
    await expect(env.client.workflow.getHandle(journeyWorkflowId('+14150783881')).describe()).rejects.toThrow(
      /not found/i,
    );
  });

  it('starts a journey from the command line and prints its id and stage', async () => {
    const taskQueue = uniqueTaskQueue();
    process.env.TEMPORAL_ADDRESS = inject('devServerAddress');
    process.env.TEMPORAL_TASK_QUEUE = taskQueue;
    process.env.NUMBERFLOW_CODEC_KEYS = TEST_CODEC_KEYS; // the CLI encrypts as the worker does
    process.env.NUMBERFLOW_SECRETS_PUBLIC_KEY = TEST_SECRETS_PUBLIC_KEY; // and seals with the worker's public key
    const phone = journeyInput().phoneNumber.e164;
    const lines: string[] = [];
    const handle = env.client.workflow.getHandle(journeyWorkflowId(phone));
    const view = await withWorker(env, { taskQueue, activities: queuedAtCapacity }, async () => {
      await buildCli((line) => lines.push(line)).parseAsync(
        ['start', '--waba', '11', '--portfolio', '22', '--phone', phone, '--display-name', 'Acme', '--by', 'ops@acme'],
        { from: 'user' },
      );
      return handle.query(journeyQuery);
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^number:\\${phone} started \\(run [0-9a-f-]+\\), stage WAITING_FOR_CAPACITY$`),
    );
    expect(view).toMatchObject({ wabaId: '11', portfolioId: '22', stage: 'WAITING_FOR_CAPACITY' });
    await handle.terminate('test done');
  });
});
