// One journey test bench: a Graph sandbox with its own portfolio and WABA, the Graph client and activities
// pointed at it, the webhook receiver the sandbox posts to, and a worker running the real workflows.
import { basename } from 'node:path';
import proto from '@temporalio/proto';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { pino, type Logger } from 'pino';
import { createActivities, type Activities } from '../../src/activities/index.js';
import type { JourneyRequest } from '../../src/domain/journey-input.js';
import { journeyQuery, type JourneyInput, type JourneyView } from '../../src/domain/journey.js';
import { portfolioWorkflowId } from '../../src/domain/portfolio.js';
import { GraphClient } from '../../src/graph/client.js';
import { SANDBOX_APP_ID } from '../../src/graph/from-config.js';
import { PerWabaTokenProvider } from '../../src/graph/tokens.js';
import { buildHttpApp } from '../../src/http/app.js';
import { startJourney } from '../../src/journeys/index.js';
import type { portfolio } from '../../src/workflows/portfolio.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import type { TokenStore } from '../../src/stores/token-store.js';
import { SqlIdentityStore } from '../../src/stores/sql-identity-store.js';
import { openSqlite } from '../../src/stores/sqlite.js';
import { addToManifest, fixtureSlug, writeFixture } from './fixtures.js';
import { tempDir } from './processes.js';
import { freshId, journeyInput } from './journeys.js';
import { parseCodecKeys } from '../../src/codec/keys.js';
import { testTokenCheck } from './codec.js';
import { terminateWhenIdle } from './quiet-run.js';
import {
  LongLivedWorker,
  TEST_CODEC_KEYS,
  testSecretsKeys,
  uniqueTaskQueue,
  withWorker,
  type TestEnv,
} from './temporal.js';

export const APP_SECRET = 'test-app-secret';

export interface Harness {
  env: TestEnv;
  sandbox: Sandbox;
  graph: GraphClient;
  portfolioId: string;
  wabaId: string;
  taskQueue: string;
  activities: Activities;
  /** Customers' identity hashes, in a SQLite file of this bench's own. */
  identities: SqlIdentityStore;
  /** The data folder that file is in (a CLI in direct mode pointed at it shares the store). */
  dataDir: string;
  /** The receiver's codec server (/codec), behind the tests' token check (test/support/codec.ts). */
  codecUrl: string;
  /** The WABA's access token the Graph client uses (to check that no history or log holds it). */
  graphToken: string;
  /** A valid input for this bench's WABA; `now` is the server's time (the time-skipping server runs ahead). */
  input(overrides?: Partial<JourneyRequest>, now?: Date): JourneyInput;
  start(input: JourneyInput): Promise<JourneyHandle>;
  /**
   * Keeps the history of a workflow the test started by other means (a signal-with-start) as a replay fixture: its
   * latest run, or the run `runId` (one that continued as new).
   */
  record(workflowId: string, workflow: string, runId?: string): void;
  /** Runs `fn` while a worker polls the harness's task queue. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Terminates a workflow the test is done with once the sandbox's webhooks are in and it has nothing in flight. */
  terminateWhenIdle(workflowId: string): Promise<void>;
  close(): Promise<void>;
}

export interface JourneyHandle {
  workflowId: string;
  view(): Promise<JourneyView>;
  /** Polls the query until `predicate` holds (workflow progress is asynchronous); fails after `attempts`. */
  until(predicate: (view: JourneyView) => boolean, what: string, attempts?: number): Promise<JourneyView>;
}

export interface HarnessOptions {
  /** The portfolio's registered-number cap, at Meta and in numberflow; tests not about the cap get room. */
  cap?: number;
  sandbox?: Partial<SandboxOptions>;
  /** Whether RECORD_HISTORIES keeps this bench's histories as replay fixtures (default true; not for bursts). */
  record?: boolean;
  /** How long the Graph client waits for an answer (short, to lose answers on purpose). */
  graphRequestTimeoutMs?: number;
  /** Tokens per WABA from this store (the bench's WABA's put in it), as the worker takes them in production. */
  tokenStore?: TokenStore;
  /** The webhook receiver's logger (silent by default). */
  logger?: Logger;
}

/**
 * With RECORD_HISTORIES=1 the bench saves the history of every workflow it started as a replay fixture named after
 * its test (test/fixtures/histories/<workflow>/<scenario>.history, listed in the manifest) unless the scenario has
 * one; RECORD_HISTORIES=revise keeps a new revision beside it. test/replay replays them all against the current code.
 */
const recording = process.env.RECORD_HISTORIES === '1' || process.env.RECORD_HISTORIES === 'revise';
const revising = process.env.RECORD_HISTORIES === 'revise';

/** A workflow whose history is kept: its latest run, or the run `runId`. */
interface Recorded {
  workflowId: string;
  workflow: string;
  scenario: string;
  runId?: string;
}

async function saveHistories(env: TestEnv, started: Map<string, Recorded>): Promise<void> {
  const names: string[] = [];
  const taken = new Map<string, number>();
  for (const { workflowId, workflow, scenario, runId } of started.values()) {
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const base = `${workflow}/${fixtureSlug(scenario)}`;
    const n = (taken.get(base) ?? 0) + 1;
    taken.set(base, n);
    const name = `${base}${n > 1 ? `-${n}` : ''}.history`;
    const written = writeFixture(name, proto.temporal.api.history.v1.History.encode(history).finish(), revising);
    if (written) names.push(written);
  }
  addToManifest(names);
}

/** Keeps the history of one workflow a test drove without a harness, under RECORD_HISTORIES (else nothing). */
export async function keepHistory(env: TestEnv, recorded: Recorded): Promise<void> {
  if (recording) await saveHistories(env, new Map([[recorded.workflowId, recorded]]));
}

export async function createHarness(env: TestEnv, options: HarnessOptions = {}): Promise<Harness> {
  const cap = options.cap ?? 1000;
  const logger = options.logger ?? pino({ level: 'silent' });
  const taskQueue = uniqueTaskQueue('journey');
  const sandbox = await startSandbox({ appId: SANDBOX_APP_ID, appSecret: APP_SECRET, seed: 7, ...options.sandbox });
  let token = ''; // issued once the WABA exists, after the receiver listens for the webhook of its creation
  const graph = new GraphClient({
    baseUrl: sandbox.url,
    tokens: options.tokenStore
      ? new PerWabaTokenProvider(options.tokenStore)
      : { tokenFor: () => Promise.resolve(token) },
    appId: SANDBOX_APP_ID,
    appSecret: APP_SECRET,
    requestTimeoutMs: options.graphRequestTimeoutMs,
  });
  const dataDir = tempDir('harness');
  const identityDb = openSqlite(`${dataDir}/numberflow.sqlite`);
  const identities = await SqlIdentityStore.open(identityDb);
  // The receiver routes webhooks to the journeys (and starts portfolios on the harness's own task queue).
  const receiver: FastifyInstance = await buildHttpApp({
    client: env.client,
    taskQueue,
    appSecret: APP_SECRET,
    verifyToken: 'test-verify-token',
    logger,
    graph,
    identities,
    codec: {
      codecKeys: parseCodecKeys(TEST_CODEC_KEYS),
      secrets: testSecretsKeys,
      namespace: env.client.options.namespace,
      corsOrigins: ['http://127.0.0.1:8233'],
      authorize: testTokenCheck,
    },
  });
  const receiverUrl = await receiver.listen({ host: '127.0.0.1', port: 0 });
  sandbox.admin.setWebhookUrl(options.sandbox?.webhookUrl ?? `${receiverUrl}/webhooks/meta`);
  const { portfolioId } = sandbox.admin.createPortfolio({ portfolioId: freshId(), maxPhoneNumbers: cap });
  await env.client.workflow.start<typeof portfolio>('portfolio', {
    taskQueue,
    workflowId: portfolioWorkflowId(portfolioId),
    // Reconciled on request in tests (the reconcile signal): an hourly one would crowd time-skipped days.
    args: [{ portfolioId, cap, reconcileEveryMs: 365 * 24 * 60 * 60 * 1000 }],
  });
  const { wabaId } = sandbox.admin.createWaba({ portfolioId, wabaId: freshId() });
  token = sandbox.admin.issueToken({ wabaIds: [wabaId] });
  await options.tokenStore?.put(wabaId, token, { source: 'manual', by: 'test harness' });
  const started = new Map<string, Recorded>(); // by workflowId (or workflowId/runId)
  const label = () => expect.getState().currentTestName ?? 'setup';
  const activities = createActivities({ graph, identities, temporal: env.client, taskQueue });
  const longLived = env.stickyQueues ? null : new LongLivedWorker(env, { taskQueue, activities });

  return {
    env,
    sandbox,
    graph,
    portfolioId,
    wabaId,
    taskQueue,
    activities,
    identities,
    dataDir,
    codecUrl: `${receiverUrl}/codec`,
    get graphToken() {
      return token;
    },
    input: (overrides = {}, now = new Date()) => journeyInput({ wabaId, portfolioId, ...overrides }, now),
    async start(input) {
      const { workflowId } = await startJourney(env.client, taskQueue, input, {
        withoutSearchAttributes: !env.searchAttributes,
      });
      started.set(workflowId, { workflowId, workflow: 'numberJourney', scenario: label() });
      const handle = env.client.workflow.getHandle(workflowId);
      const view = () => handle.query(journeyQuery);
      return {
        workflowId,
        view,
        async until(predicate, what, attempts = 600) {
          let last: JourneyView | undefined;
          for (let i = 0; i < attempts; i++) {
            last = await view();
            if (predicate(last)) return last;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          throw new Error(
            `journey never reached: ${what}; last seen ${JSON.stringify(last?.stage)} ${JSON.stringify(last?.waiting)}`,
          );
        },
      };
    },
    record: (workflowId, workflow, runId) =>
      void started.set(runId ? `${workflowId}/${runId}` : workflowId, {
        workflowId,
        workflow,
        scenario: label(),
        runId,
      }),
    terminateWhenIdle: (workflowId) =>
      terminateWhenIdle(env, workflowId, { settle: () => sandbox.admin.flushWebhooks() }),
    run: (fn) => (longLived ? longLived.run(fn) : withWorker(env, { taskQueue, activities }, fn)),
    async close() {
      await longLived?.close();
      const file = basename(expect.getState().testPath ?? 'portfolio', '.test.ts');
      const workflowId = portfolioWorkflowId(portfolioId);
      const portfolioScenario = { workflowId, workflow: 'portfolio', scenario: file };
      if (recording) await saveHistories(env, new Map([...started, [workflowId, portfolioScenario]]));
      await env.client.workflow
        .getHandle(portfolioWorkflowId(portfolioId))
        .terminate('test done')
        .catch(() => undefined);
      await sandbox.close();
      await receiver.close();
      await graph.close();
      await identityDb.close();
    },
  };
}
