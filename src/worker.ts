// Runs the numberflow worker. `npm run worker` starts it alone against TEMPORAL_ADDRESS (a fleet member);
// `npm start` embeds it with the dev server. SIGINT/SIGTERM drain it gracefully: no process.exit mid-task.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type Activities } from './activities/index.js';
import { loadConfig, type Config } from './config.js';
import { createLogger, installTemporalLogging } from './logger.js';
import { runMain } from './run-main.js';
import { createDataConverter, workerDataConverter } from './codec/data-converter.js';
import { codecKeysFor } from './codec/keys.js';
import { secretsKeysFor } from './codec/secrets-keys.js';
import { graphClientFromConfig } from './graph/from-config.js';
import { PerWabaTokenProvider } from './graph/tokens.js';
import { openStores } from './stores/open.js';
import { connectClient, connectWorkerConnection } from './temporal/connection.js';

/** A workflows module next to this file, whether it runs as .ts (tsx) or as built .js. */
const workflowsModule = (name: string) =>
  fileURLToPath(new URL(`./workflows/${name}${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** The workflows entry point. */
export const workflowsPath = workflowsModule('index');

/** Workflow interceptors; a prebuilt bundle must be built with them (bundleWorkflowCode's workflowInterceptorModules). */
export const workflowInterceptorModules = [workflowsModule('undecryptable-guard')];

export interface NumberflowWorkerOptions {
  connection: NativeConnection;
  config: Config;
  activities: Activities;
  dataConverter: DataConverter;
  /** A prebuilt bundle (tests, production); otherwise the workflows are bundled from source at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  taskQueue?: string;
}

export async function createNumberflowWorker(options: NumberflowWorkerOptions): Promise<Worker> {
  const { config } = options;
  return Worker.create({
    connection: options.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: options.taskQueue ?? config.TEMPORAL_TASK_QUEUE,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath, interceptors: { workflowModules: workflowInterceptorModules } }),
    activities: options.activities,
    dataConverter: workerDataConverter(options.dataConverter),
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    shutdownGraceTime: config.WORKER_SHUTDOWN_GRACE as `${number}s`,
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  installTemporalLogging(logger);
  const dataConverter = createDataConverter(codecKeysFor(config), secretsKeysFor(config, { unseal: true }));
  const stores = await openStores(config);
  // Everything opened is closed on the way out, also when a later step fails (a wrong namespace, no server).
  const opened: (() => Promise<void>)[] = [() => stores.close()];
  try {
    // Each WABA's own token from the store; the system-user token (if any) for the others.
    const graph = graphClientFromConfig(config, new PerWabaTokenProvider(stores.tokens, config.META_ACCESS_TOKEN));
    opened.push(() => graph.close());
    logger.info({ tokenStore: `${stores.db.dialect} at ${stores.db.location}` }, 'token store open');
    const client = await connectClient(config, dataConverter);
    opened.push(() => client.connection.close());
    const connection = await connectWorkerConnection(config);
    opened.push(() => connection.close());
    const activities = createActivities({ graph, temporal: client, taskQueue: config.TEMPORAL_TASK_QUEUE });
    const worker = await createNumberflowWorker({ connection, config, activities, dataConverter });
    logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }, 'worker running');
    // The Temporal runtime turns SIGINT/SIGTERM into worker.shutdown(); run() resolves once tasks have drained.
    await worker.run();
  } finally {
    for (const close of opened.reverse()) await close();
  }
  logger.info('worker stopped');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) runMain(main);
