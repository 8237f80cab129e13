// `npm start`: the main job on the embedded default. Without TEMPORAL_ADDRESS it starts the Temporal dev
// server (SQLite under the data folder, Web UI); without META_ACCESS_TOKEN it starts the Graph API sandbox;
// then the worker. Ctrl-C (SIGINT) or SIGTERM drains the worker, then stops what it started, in reverse.
import { createActivities } from './activities/index.js';
import { createDataConverter } from './codec/data-converter.js';
import { codecKeysFor } from './codec/keys.js';
import { secretsKeysFor } from './codec/secrets-keys.js';
import { loadConfig, type Config } from './config.js';
import { graphClientFromConfig } from './graph/from-config.js';
import { InMemoryTokenStore, PerWabaTokenProvider } from './graph/tokens.js';
import { codecServerOptions, embeddedCodecEndpoint } from './http/codec-setup.js';
import { serveHttp } from './http/serve.js';
import { localSecret } from './local-secret.js';
import { createLogger, installTemporalLogging, type Logger } from './logger.js';
import { runMain, withStops, type Stop } from './run-main.js';
import { startSandbox, type Sandbox } from './sandbox/index.js';
import { resolveBinary } from './temporal/binaries.js';
import { connectClient, connectWorkerConnection } from './temporal/connection.js';
import { startDevServer } from './temporal/dev-server.js';
import { registerSearchAttributes } from './temporal/search-attributes.js';
import { createServiceMetrics } from './telemetry/metrics.js';
import { startTracing } from './telemetry/tracing.js';
import { createNumberflowWorker } from './worker.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  installTemporalLogging(logger, config);
  await withStops((stops) => run(config, logger, stops));
}

async function run(config: Config, logger: Logger, stops: Stop[]): Promise<void> {
  let address = config.TEMPORAL_ADDRESS;
  const codecEndpoint = embeddedCodecEndpoint(config);
  if (!address) {
    const cli = resolveBinary('cli');
    if (!cli.path) throw new Error(`${cli.description}. Run: bash scripts/install-temporal.sh`);
    logger.info(`using ${cli.description}`);
    const devServer = await startDevServer({
      cliPath: cli.path,
      dataDir: config.NUMBERFLOW_DATA_DIR,
      namespace: config.TEMPORAL_NAMESPACE,
      port: config.TEMPORAL_DEV_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      uiCodecEndpoint: codecEndpoint,
    });
    stops.push(async () => {
      await devServer.stop();
      logger.info(`Temporal dev server stopped; data kept in ${devServer.dbFile}`);
    });
    address = devServer.address;
    logger.info(
      { startupMs: devServer.startupMs, db: devServer.dbFile, log: devServer.logFile, pid: devServer.pid },
      `Temporal dev server on ${devServer.address}${devServer.reused ? ' (reused, left running by an earlier start)' : ''}, Web UI at ${devServer.uiUrl}`,
    );
    if (devServer.uiCodecEndpoint !== codecEndpoint) {
      logger.warn(
        `the reused dev server's Web UI decodes through ${devServer.uiCodecEndpoint ?? 'no codec server'}, not ${codecEndpoint ?? 'none'}: ` +
          `a server keeps the flags it was started with; stop it (pid ${devServer.pid}) and start again to change it`,
      );
    }
  }

  const codecKeys = codecKeysFor(config);
  const secrets = secretsKeysFor(config, { unseal: true });
  const dataConverter = createDataConverter(codecKeys, secrets);
  const tracing = await startTracing(config, 'numberflow');
  if (tracing) stops.push(() => tracing.shutdown());
  const client = await connectClient(config, dataConverter, address, tracing?.clientInterceptors);
  stops.push(() => client.connection.close());
  if (config.TEMPORAL_ADDRESS) await registerSearchAttributes(client, config.TEMPORAL_NAMESPACE, logger);
  // Graph calls of the worker and of the service, on the HTTP service's /metrics.
  const metrics = createServiceMetrics(client, {
    onError: (err) => logger.warn({ err }, 'journeys could not be counted for /metrics'),
  });

  // Without Meta credentials the sandbox signs with a secret of the data folder, and the service checks with it.
  const appSecret = config.META_APP_SECRET ?? localSecret(config.NUMBERFLOW_DATA_DIR, 'sandbox-app-secret');
  const sandbox = config.META_ACCESS_TOKEN
    ? undefined
    : // Its state lives in the data folder (encrypted): a journey caught mid-OTP goes on after a restart.
      await startSandbox({ port: config.SANDBOX_PORT, appSecret, logger, stateDir: config.NUMBERFLOW_DATA_DIR });
  if (sandbox) stops.push(() => sandbox.close());
  // The sandbox's demo WABA gets its token once it exists, after the service listens for its first webhook.
  const sandboxTokens = new InMemoryTokenStore();
  const observe = metrics.graphCalls;
  const graph = sandbox
    ? graphClientFromConfig(config, { baseUrl: sandbox.url, tokens: new PerWabaTokenProvider(sandboxTokens), observe })
    : graphClientFromConfig(config, { observe });
  stops.push(() => graph.close());

  const { app: http, url: httpUrl } = await serveHttp(config, {
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    appSecret,
    verifyToken:
      config.META_WEBHOOK_VERIFY_TOKEN ?? localSecret(config.NUMBERFLOW_DATA_DIR, 'sandbox-webhook-verify-token'),
    logger,
    graph,
    codec: codecServerOptions(config, codecKeys, secrets),
    metrics,
  });
  stops.push(() => http.close());
  if (sandbox) await sandboxDemo(sandbox, sandboxTokens, logger, `${httpUrl}/webhooks/meta`);

  const connection = await connectWorkerConnection(config, address);
  stops.push(() => connection.close());
  const activities = createActivities({ graph, temporal: client, taskQueue: config.TEMPORAL_TASK_QUEUE });
  const worker = await createNumberflowWorker({ connection, config, activities, dataConverter, tracing });
  logger.info(`worker polling task queue "${config.TEMPORAL_TASK_QUEUE}" in namespace "${config.TEMPORAL_NAMESPACE}"`);
  logger.info('numberflow is running; press Ctrl-C to stop');
  // The Temporal runtime turns SIGINT/SIGTERM into worker.shutdown(); run() resolves once in-flight tasks drain.
  await worker.run();
  logger.info('worker stopped');
}

/** No Meta token: the Graph API sandbox stands in for Meta, with a demo portfolio, WABA and token. */
async function sandboxDemo(sandbox: Sandbox, tokens: InMemoryTokenStore, logger: Logger, webhookUrl: string) {
  sandbox.admin.setWebhookUrl(webhookUrl);
  // The same demo portfolio, WABA and token across restarts: the sandbox's state is kept in the data folder.
  const { portfolioId, wabaId, token } = sandbox.demoAccount();
  await tokens.put(wabaId, token);
  logger.info(
    { portfolioId, wabaId, outbox: `${sandbox.url}/_sandbox/outbox` },
    `no META_ACCESS_TOKEN: Graph API sandbox on ${sandbox.url} (demo portfolio ${portfolioId}, WABA ${wabaId}); delivered codes in its outbox`,
  );
}

runMain(main);
