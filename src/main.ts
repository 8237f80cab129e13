// `npm start`: the main job on the embedded default. Without TEMPORAL_ADDRESS it starts the Temporal dev
// server (SQLite under the data folder, Web UI), then the worker; with it, it joins that cluster.
// Ctrl-C (SIGINT) or SIGTERM drains the worker, then stops the dev server.
import type { Connection } from '@temporalio/client';
import { createActivities } from './activities/index.js';
import { loadConfig, type Config } from './config.js';
import { createLogger, installTemporalLogging, type Logger } from './logger.js';
import { resolveBinary } from './temporal/binaries.js';
import { connectClient, connectWorkerConnection } from './temporal/connection.js';
import { startDevServer, type DevServer } from './temporal/dev-server.js';
import { ensureSearchAttributes } from './temporal/search-attributes.js';
import { createNumberflowWorker } from './worker.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  installTemporalLogging(logger);

  let devServer: DevServer | undefined;
  if (!config.TEMPORAL_ADDRESS) {
    const cli = resolveBinary('cli');
    if (!cli.path) throw new Error(`${cli.description}. Run: bash scripts/install-temporal.sh`);
    logger.info(`using ${cli.description}`);
    devServer = await startDevServer({
      cliPath: cli.path,
      dataDir: config.NUMBERFLOW_DATA_DIR,
      namespace: config.TEMPORAL_NAMESPACE,
      port: config.TEMPORAL_DEV_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
    });
    logger.info(
      { startupMs: devServer.startupMs, db: devServer.dbFile, log: devServer.logFile },
      `Temporal dev server on ${devServer.address}, Web UI at ${devServer.uiUrl}`,
    );
  }
  try {
    await runServices(config, logger, devServer?.address);
  } finally {
    if (devServer) {
      await devServer.stop();
      logger.info(`Temporal dev server stopped; data kept in ${devServer.dbFile}`);
    }
  }
}

async function runServices(config: Config, logger: Logger, address = config.TEMPORAL_ADDRESS): Promise<void> {
  const embedded = address !== config.TEMPORAL_ADDRESS;
  const client = await connectClient(config, address);
  if (!embedded) {
    const added = await ensureSearchAttributes(client.connection as Connection, config.TEMPORAL_NAMESPACE).catch(
      (err: unknown) => {
        logger.warn({ err }, 'could not register search attributes; register them with your cluster tooling');
        return [];
      },
    );
    if (added.length) logger.info({ added }, 'registered search attributes');
  }

  const connection = await connectWorkerConnection(config, address);
  const worker = await createNumberflowWorker({ connection, config, activities: createActivities() });
  logger.info(`worker polling task queue "${config.TEMPORAL_TASK_QUEUE}" in namespace "${config.TEMPORAL_NAMESPACE}"`);
  logger.info('numberflow is running; press Ctrl-C to stop');

  // The Temporal runtime turns SIGINT/SIGTERM into worker.shutdown(); run() resolves once in-flight tasks drain.
  try {
    await worker.run();
    logger.info('worker stopped; closing connections');
  } finally {
    await client.connection.close();
    await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(`numberflow: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
