// What every benchmark runs on: a dev server of its own, a Graph sandbox on loopback with one portfolio and WABA,
// a Graph client with the WABA's token, and a Temporal client with numberflow's data converter (payloads encrypted,
// secrets sealed) that the service, the activities, the worker and the drivers all use, as production does. `serve`
// adds the real HTTP service (webhook receiver, /v1 API with an operator's token) that the sandbox sends its webhooks
// to; `worker` a worker running the real workflows and the baselines of bench/workflows.ts. `close` stops them in
// reverse.
import { mkdtempSync, rmSync } from 'node:fs';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createActivities } from '../src/activities/index.js';
import { createDataConverter, workerDataConverter } from '../src/codec/data-converter.js';
import { localCodecKeys } from '../src/codec/keys.js';
import { localSecretsKeys } from '../src/codec/secrets-keys.js';
import { loadConfig, portfolioTaskQueue, workflowStackTracesAsked } from '../src/config.js';
import { capabilityUpdateSignal, capOfVerification, portfolioWorkflowId } from '../src/domain/portfolio.js';
import { customSearchAttributes } from '../src/domain/search-attributes.js';
import { GraphClient } from '../src/graph/client.js';
import { staticTokenProvider } from '../src/graph/tokens.js';
import { buildHttpApp } from '../src/http/app.js';
import { PrincipalDirectory } from '../src/http/auth/directory.js';
import { addPrincipal } from '../src/http/auth/token-file.js';
import { createLogger } from '../src/logger.js';
import { startSandbox, type Sandbox, type SandboxAdmin, type SandboxOptions } from '../src/sandbox/index.js';
import { SqlIdentityStore } from '../src/stores/sql-identity-store.js';
import { openSqlite } from '../src/stores/sqlite.js';
import { resolveBinary, toSdkExecutable } from '../src/temporal/binaries.js';
import { creatingWorkflowThreads } from '../src/temporal/workflow-threads.js';
import { workflowInterceptorModules } from '../src/worker.js';
import { scratchDir } from './processes.js';

export interface BenchService {
  url: string;
  app: FastifyInstance;
  /** An operator's bearer token (onboarding and operator roles). */
  token: string;
  /** Its webhook inbox: deliveries answered and not yet routed. */
  inboxFile: string;
}

export interface BenchStand {
  /** The dev server; its own `client` has no codec and cannot read what the stand writes: use `client`. */
  env: TestWorkflowEnvironment;
  /** A client of the stand's dev server with numberflow's data converter. */
  client: Client;
  sandbox: Sandbox;
  graph: GraphClient;
  /** Customers' identity hashes, in a SQLite file of the stand's own. */
  identities: SqlIdentityStore;
  portfolioId: string;
  wabaId: string;
  appSecret: string;
  /** The stand's own folder: its codec and secrets keys, its SQLite files. */
  dataDir: string;
  /** The HTTP service on loopback, receiving the sandbox's webhooks. */
  serve(taskQueue: string): Promise<BenchService>;
  /**
   * Opens a portfolio the way a real one gets its room: its business is verified (the sandbox's portfolios here are),
   * so it starts at the verified cap of 20, and an admin then sets the cap Meta granted (the signal of `numberflow
   * portfolio set-cap`, noted with who and why), here one with no practical limit.
   */
  openPortfolio(taskQueue: string, options?: { portfolioId?: string; client?: Client }): Promise<void>;
  /**
   * Workers as `npm run worker` runs them: one on `taskQueue`, one on its portfolios' queue; the real workflows and
   * activities, and the baselines (no-op activity).
   */
  worker(taskQueue: string): Promise<BenchWorkers>;
  close(): Promise<void>;
}

export interface BenchWorkers {
  runUntil<T>(fn: () => Promise<T>): Promise<T>;
}

/** The portfolios' queue beside a journeys' queue, named as numberflow's configuration names it by default. */
const portfoliosOf = (taskQueue: string) =>
  portfolioTaskQueue({ TEMPORAL_TASK_QUEUE: taskQueue, TEMPORAL_PORTFOLIO_TASK_QUEUE: undefined });

/** The cap Meta grants the benchmark's portfolios, and an admin sets in numberflow: no practical limit. */
const BENCH_CAP = 1_000_000;

/** A portfolio at Meta as the benchmarks need it: a verified business, with Meta's limit raised. */
export function benchPortfolio(admin: SandboxAdmin): { portfolioId: string } {
  return admin.createPortfolio({ maxPhoneNumbers: BENCH_CAP, verificationStatus: 'verified' });
}

export async function startBenchStand(sandboxOptions: SandboxOptions): Promise<BenchStand> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: toSdkExecutable(resolveBinary('cli')),
      ip: '127.0.0.1',
      searchAttributes: customSearchAttributes,
    },
  });
  const sandbox = await startSandbox(sandboxOptions);
  const { portfolioId } = benchPortfolio(sandbox.admin);
  const { wabaId } = sandbox.admin.createWaba({ portfolioId });
  const graph = new GraphClient({
    baseUrl: sandbox.url,
    tokens: staticTokenProvider(sandbox.admin.issueToken({ wabaIds: [wabaId] })),
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'numberflow-bench-'));
  // The embedded default's keys, made in the stand's own folder: every payload is encrypted and every secret sealed.
  const dataConverter = createDataConverter(localCodecKeys(dataDir), localSecretsKeys(dataDir));
  const client = new Client({ connection: env.connection, dataConverter });
  const db = openSqlite(join(dataDir, 'numberflow.sqlite'));
  const identities = await SqlIdentityStore.open(db);
  const apps: FastifyInstance[] = [];
  // As the service logs (src/logger.ts: info, written asynchronously as pino writes to standard output), into the null
  // device: a silent logger hid the cost of its lines.
  const logs = pino.destination({ dest: devNull, sync: false });
  return {
    env,
    client,
    sandbox,
    graph,
    identities,
    portfolioId,
    wabaId,
    appSecret: sandboxOptions.appSecret,
    dataDir,
    async serve(taskQueue) {
      const tokenFile = join(scratchDir('bench-tokens'), 'api-tokens.json');
      const token = addPrincipal(tokenFile, { name: 'bench@loopback', roles: ['onboarding', 'operator'] });
      const inboxFile = join(dataDir, `webhook-inbox-${apps.length}.sqlite`);
      const app = await buildHttpApp({
        client,
        taskQueue,
        portfolioTaskQueue: portfoliosOf(taskQueue),
        appSecret: sandboxOptions.appSecret,
        verifyToken: 'bench-verify-token',
        logger: createLogger('info', false, logs),
        graph,
        principals: PrincipalDirectory.fromFile(tokenFile),
        // As the service keeps it (src/http/service-options.ts): deliveries answered once in the inbox.
        webhookInbox: { file: inboxFile },
      });
      apps.push(app);
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      sandbox.admin.setWebhookUrl(`${url}/webhooks/meta`);
      return { url, app, token, inboxFile };
    },
    async openPortfolio(taskQueue, { portfolioId: id = portfolioId, client: via = client } = {}) {
      await via.workflow.start('portfolio', {
        taskQueue: portfoliosOf(taskQueue),
        workflowId: portfolioWorkflowId(id),
        args: [{ portfolioId: id, cap: capOfVerification('verified'), capSource: 'business_verification' }],
      });
      // The signal `numberflow portfolio set-cap` sends; it precedes every journey's request in the portfolio's
      // history, so no journey is queued at 20 (no worker needs to be polling yet).
      await via.workflow.getHandle(portfolioWorkflowId(id)).signal(capabilityUpdateSignal, {
        maxPhoneNumbers: BENCH_CAP,
        source: 'admin',
        actor: 'bench-admin',
        reason: 'Meta raised the limit for the benchmark',
      });
    },
    async worker(taskQueue) {
      const portfolioQueue = portfoliosOf(taskQueue);
      const activities = {
        ...createActivities({ graph, identities, temporal: client, taskQueue, portfolioTaskQueue: portfolioQueue }),
        baselineActivity: async () => undefined,
      };
      const workerOn = (queue: string) =>
        Worker.create({
          connection: env.nativeConnection,
          taskQueue: queue,
          workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
          interceptors: { workflowModules: workflowInterceptorModules },
          dataConverter: workerDataConverter(dataConverter),
          activities,
        });
      // Workflow threads as the worker starts them (src/worker.ts): without stack traces unless the variable says so.
      const stackTraces = workflowStackTracesAsked(loadConfig());
      const [journeys, portfolios] = await creatingWorkflowThreads(stackTraces, () =>
        Promise.all([workerOn(taskQueue), workerOn(portfolioQueue)]),
      );
      return { runUntil: (fn) => journeys.runUntil(() => portfolios.runUntil(fn)) };
    },
    close: async () => {
      for (const app of apps) await app.close();
      logs.end();
      await graph.close();
      await sandbox.close();
      await env.teardown();
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
