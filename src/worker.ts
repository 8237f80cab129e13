// Runs the numberflow worker. `npm run worker` starts it alone against TEMPORAL_ADDRESS (a fleet member);
// `npm start` embeds it with the dev server. SIGINT/SIGTERM drain it gracefully: no process.exit mid-task.
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { Runtime, Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type Activities, type ActivityDeps } from './activities/index.js';
import {
  durationMs,
  loadConfig,
  portfolioTaskQueue,
  stuckAfterMs,
  workflowStackTracesAsked,
  type Config,
} from './config.js';
import { createLogger, type Logger } from './logger.js';
import { installTemporalLogging } from './temporal/runtime-logging.js';
import { runMain } from './run-main.js';
import { stopAtOnceWhileStarting } from './stop-signals.js';
import { createDataConverter, workerDataConverter } from './codec/data-converter.js';
import { requireDevServerKeys } from './codec/dev-server-keys.js';
import { checkKeysAtStart } from './codec/history-keys.js';
import { codecKeysFor } from './codec/keys.js';
import { keyMissingWords, type Undecryptable } from './codec/undecryptable.js';
import { secretsKeysFor } from './codec/secrets-keys.js';
import { graphClientFromConfig } from './graph/from-config.js';
import { PerWabaTokenProvider } from './graph/tokens.js';
import { checkStoreKey, openStores } from './stores/open.js';
import { countGraphCallsWith } from './telemetry/graph-calls.js';
import { reportWorkerMemory } from './telemetry/worker-memory.js';
import { metricsUrl } from './telemetry/runtime-metrics.js';
import { shownTracesUrl, startTracing, type Tracing } from './telemetry/tracing.js';
import { connectClient, connectWorkerConnection } from './temporal/connection.js';
import { clientIdentity } from './temporal/client-identity.js';
import { movePortfoliosAtStart } from './temporal/move-portfolios.js';
import { registerSearchAttributes } from './temporal/search-attributes.js';
import { warnOfShortRetention } from './temporal/retention.js';
import { watchForStuckWorker } from './temporal/stuck-worker.js';
import { bundleFromSource, workflowCodeFor } from './temporal/workflow-bundle.js';
import { creatingWorkflowThreads, workflowStackTraces } from './temporal/workflow-threads.js';

export { workflowInterceptorModules, workflowsPath } from './temporal/workflow-bundle.js';

export interface NumberflowWorkerOptions {
  connection: NativeConnection;
  config: Config;
  activities: Activities;
  dataConverter: DataConverter;
  /**
   * A prebuilt bundle (tests); otherwise NUMBERFLOW_WORKFLOW_BUNDLE's (production), or the workflows are bundled
   * from source at start.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  taskQueue?: string;
  /** Spans for activities and workflows (the bundle then needs the tracing interceptors). */
  tracing?: Tracing;
}

/**
 * A process's workers, made (not yet run: runWatched runs them), their activities on its Graph client, identity store
 * and Temporal client (`npm run worker`, `npm start`).
 */
export function buildNumberflowWorkers(
  config: Config,
  connection: NativeConnection,
  deps: Pick<NumberflowWorkerOptions, 'dataConverter' | 'tracing'> & {
    graph: ActivityDeps['graph'];
    client: ActivityDeps['temporal'];
    stores: Pick<ActivityDeps, 'identities'>;
  },
): Promise<Workers> {
  const { graph, client, stores, dataConverter, tracing } = deps;
  const activities = createActivities({
    graph,
    identities: stores.identities,
    temporal: client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    portfolioTaskQueue: portfolioTaskQueue(config),
  });
  return createNumberflowWorkers({ connection, config, activities, dataConverter, tracing });
}

/**
 * The worker of the journeys' task queue and the worker of the portfolios' (src/config.ts portfolioTaskQueue), with
 * the same bundle and activities: a portfolio's workflow tasks never wait behind thousands of journeys' tasks.
 */
export async function createNumberflowWorkers(options: Omit<NumberflowWorkerOptions, 'taskQueue'>): Promise<Workers> {
  const workflowBundle =
    options.workflowBundle ??
    (options.config.NUMBERFLOW_WORKFLOW_BUNDLE ? undefined : await bundleFromSource(options.tracing !== undefined));
  const journeys = await createNumberflowWorker({ ...options, workflowBundle });
  const portfolios = await createNumberflowWorker({
    ...options,
    workflowBundle,
    taskQueue: portfolioTaskQueue(options.config),
  });
  return {
    taskQueues: [journeys.options.taskQueue, portfolios.options.taskQueue],
    identity: journeys.options.identity,
    localActivitiesRunning: () =>
      [journeys, portfolios].reduce((n, worker) => n + worker.getStatus().numInFlightLocalActivities, 0),
    shutdown() {
      for (const worker of [journeys, portfolios]) if (worker.getState() === 'RUNNING') worker.shutdown();
    },
    async run() {
      // The Temporal runtime turns SIGINT/SIGTERM into shutdown() of both; one that fails stops the other.
      const runs = [journeys, portfolios].map((worker) => worker.run());
      try {
        await Promise.all(runs);
      } catch (err) {
        for (const worker of [journeys, portfolios]) if (worker.getState() === 'RUNNING') worker.shutdown();
        await Promise.allSettled(runs);
        throw err;
      }
    },
  };
}

export interface Workers {
  taskQueues: string[];
  /** As both poll (src/temporal/client-identity.ts). */
  identity: string;
  /** Local activities running now (inside workflow tasks, which hold their slots meanwhile). */
  localActivitiesRunning(): number;
  /** Runs until both have stopped (SIGINT/SIGTERM, or one failed: the other is then stopped too). */
  run(): Promise<void>;
  /** Stops both, as SIGINT does (in-flight tasks drain). */
  shutdown(): void;
}

/**
 * Runs the workers (as Workers.run) under the stuck-worker watch (WORKER_STUCK_AFTER; null: none): a worker Temporal
 * has seen no poll from for that long is told in the log, asked to stop and given `drainMs` to drain, and then the
 * run fails with the watch's words, for the process to exit 1 and be restarted — a stuck SDK may never let it exit,
 * so it is made to (`exit`) a little after.
 */
export async function runWatched(
  workers: Workers,
  options: {
    client: Client;
    logger: Pick<Logger, 'warn' | 'error'>;
    stuckAfterMs: number | null;
    drainMs: number;
    everyMs?: number;
    exit?: () => void;
  },
): Promise<void> {
  const { client, logger, stuckAfterMs, drainMs, everyMs, exit = () => process.exit(1) } = options;
  if (stuckAfterMs === null) return workers.run();
  const warn = (message: string) => logger.warn(message);
  const { taskQueues, identity } = workers;
  const busy = () => workers.localActivitiesRunning() > 0;
  const watch = watchForStuckWorker({ client, taskQueues, identity, stuckAfterMs, everyMs, warn, busy });
  const run = workers.run();
  try {
    const stuck = await Promise.race([run.then(() => null), watch.stuck]);
    if (stuck === null) return;
    logger.error(`${stuck.message}; the worker stops`);
    setTimeout(exit, drainMs + 20_000).unref();
    workers.shutdown();
    await Promise.race([run.catch(() => undefined), delay(drainMs, undefined, { ref: false })]);
    throw new Error(stuck.message);
  } finally {
    watch.stop();
  }
}

/**
 * A payload or secret the worker cannot open, said in its log once a minute per key: replaying an update it cannot
 * open, the workflow task fails as a nondeterminism error, which names no key (src/workflows/undecryptable-guard.ts).
 */
function keyMissingWarnings(): (undecryptable: Undecryptable) => void {
  const saidAt = new Map<string, number>();
  return (undecryptable) => {
    const key = `${undecryptable.layer ?? 'payload'}:${undecryptable.keyId.slice(0, 64)}`;
    if (Date.now() - (saidAt.get(key) ?? 0) < 60_000) return;
    if (saidAt.size >= 1_000) saidAt.clear(); // key ids come with the payload: a sender could make many
    saidAt.set(key, Date.now());
    if (undecryptable.reason !== 'malformed') Runtime.instance().logger.warn(keyMissingWords(undecryptable));
  };
}

export async function createNumberflowWorker(options: NumberflowWorkerOptions): Promise<Worker> {
  const { config, tracing } = options;
  const { workflowModules, ...code } = options.workflowBundle
    ? { workflowBundle: options.workflowBundle, workflowModules: undefined }
    : workflowCodeFor(config.NUMBERFLOW_WORKFLOW_BUNDLE, tracing !== undefined);
  const stackTraces = workflowStackTracesAsked(config);
  return creatingWorkflowThreads(stackTraces, () =>
    Worker.create({
      connection: options.connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: options.taskQueue ?? config.TEMPORAL_TASK_QUEUE,
      ...code,
      interceptors: { workflowModules, activity: tracing?.activityInterceptors },
      sinks: tracing?.sinks,
      activities: options.activities,
      dataConverter: workerDataConverter(options.dataConverter, keyMissingWarnings()),
      maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentLocalActivityExecutions: config.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
      maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
      identity: clientIdentity('worker'),
      shutdownGraceTime: config.WORKER_SHUTDOWN_GRACE as `${number}s`,
    }),
  );
}

/**
 * A worker of a cluster with its stores in SQLite has them to itself: the tokens Embedded Signup stored through the
 * service never reach it. Said at start, as it is almost always a forgotten NUMBERFLOW_DATABASE_URL.
 */
export function storeOfItsOwn(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'NUMBERFLOW_DATABASE_URL'>): string | null {
  if (!config.TEMPORAL_ADDRESS || config.NUMBERFLOW_DATABASE_URL) return null;
  return "this worker keeps Meta's tokens in SQLite in its data folder, shared only with the processes on that folder: a fleet's workers and service share one store through NUMBERFLOW_DATABASE_URL (unset here), or tokens the service stores never reach this worker";
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const starting = stopAtOnceWhileStarting(logger);
  installTemporalLogging(logger, config);
  requireDevServerKeys(config, 'a worker');
  const codecKeys = codecKeysFor(config);
  const dataConverter = createDataConverter(codecKeys, secretsKeysFor(config, { unseal: true }));
  const stores = await openStores(config);
  // On the runtime's Prometheus port, beside the SDK's own metrics (no port: not counted).
  const meter = config.NUMBERFLOW_METRICS_PORT ? Runtime.instance().metricMeter : undefined;
  const observe = meter && countGraphCallsWith(meter);
  if (meter) reportWorkerMemory(meter); // stops with the process
  // Everything opened is closed on the way out, also when a later step fails (a wrong namespace, no server).
  const opened: (() => Promise<void>)[] = [() => stores.close()];
  try {
    // Each WABA's own token from the store; the system-user token (if any) for the others.
    const tokens = new PerWabaTokenProvider(stores.tokens, config.META_ACCESS_TOKEN);
    const graph = graphClientFromConfig(config, tokens, { observe });
    opened.push(() => graph.close());
    logger.info({ tokenStore: `${stores.db.dialect} at ${stores.db.location}` }, 'token store open');
    await checkStoreKey(stores.tokens, (message) => logger.warn(message));
    const alone = storeOfItsOwn(config);
    if (alone) logger.warn(alone);
    const tracing = await startTracing(config, 'numberflow-worker', (message) => logger.warn(message));
    if (tracing) opened.push(() => tracing.shutdown());
    const client = await connectClient(config, dataConverter, {
      interceptors: tracing?.clientInterceptors,
      role: 'worker',
    });
    opened.push(() => client.connection.close());
    await registerSearchAttributes(client, config.TEMPORAL_NAMESPACE, logger);
    await warnOfShortRetention(client.connection, config.TEMPORAL_NAMESPACE, logger);
    await checkKeysAtStart(client, codecKeys, config, logger);
    const connection = await connectWorkerConnection(config);
    opened.push(() => connection.close());
    const workers = await buildNumberflowWorkers(config, connection, { graph, client, stores, dataConverter, tracing });
    starting.begun(); // the workers now drain on a stop signal (the runtime's)
    const stackTraces = workflowStackTraces(workflowStackTracesAsked(config));
    logger.info(
      {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        portfolioTaskQueue: portfolioTaskQueue(config),
        namespace: config.TEMPORAL_NAMESPACE,
        metrics: metricsUrl(config),
        tracing: tracing ? shownTracesUrl(config) : false, // where spans go, without a key the address may carry
        // Off, each workflow thread's SDK says once on standard error that stack trace collection is disabled.
        workflowStackTraces: stackTraces.on,
      },
      'worker running',
    );
    if (!stackTraces.asAsked) logger.warn(stackTraces.message);
    // The Temporal runtime turns SIGINT/SIGTERM into worker.shutdown(); run() resolves once tasks have drained.
    // Beside it, the portfolios still on the journeys' queue are asked to move to their own: not awaited, so a stop
    // never waits for that listing (cut short, it logs and the next start asks again).
    void movePortfoliosAtStart(client, config, logger);
    const drainMs = durationMs(config.WORKER_SHUTDOWN_GRACE);
    await runWatched(workers, { client, logger, stuckAfterMs: stuckAfterMs(config), drainMs });
  } finally {
    // Each closed whatever another's close does: a failure is told, and the stop goes on.
    for (const close of opened.reverse())
      await close().catch((err: unknown) => logger.warn({ err }, 'could not close a resource on the way out'));
  }
  logger.info('worker stopped');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) runMain(main);
