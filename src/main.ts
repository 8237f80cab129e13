// `npm start`: the main job on the embedded default. Without TEMPORAL_ADDRESS it starts the Temporal dev
// server (SQLite under the data folder, Web UI); it opens the token store (SQLite in the data folder, or
// NUMBERFLOW_DATABASE_URL); without META_ACCESS_TOKEN or META_APP_ID it starts the Graph API sandbox; then the HTTP
// service and the worker. Ctrl-C (SIGINT) or SIGTERM drains the worker, then stops what it started, in reverse.
import { setTimeout as delay } from 'node:timers/promises';
import { createDataConverter } from './codec/data-converter.js';
import { codecKeysFor } from './codec/keys.js';
import { secretsKeysFor } from './codec/secrets-keys.js';
import { loadConfig, stuckAfterMs, usesSandbox, workflowStackTracesAsked, type Config } from './config.js';
import { appSecretOf, graphClientFromConfig, SANDBOX_APP_ID } from './graph/from-config.js';
import { PerWabaTokenProvider } from './graph/tokens.js';
import { embeddedCodecEndpoint } from './http/codec-setup.js';
import { serveHttp } from './http/serve.js';
import { serviceOptions } from './http/service-options.js';
import { localSecret } from './local-secret.js';
import { SqlSignupLedger } from './intake/signup-ledger.js';
import { createLogger, type Logger } from './logger.js';
import { installTemporalLogging } from './temporal/runtime-logging.js';
import { runMain, withStops, type Stop } from './run-main.js';
import { listenNamed } from './listen-named.js';
import { startSandbox, type Sandbox } from './sandbox/index.js';
import { openServiceBase } from './service-base.js';
import { checkStoreKey, storeKeyRefusal } from './stores/open.js';
import { StoreKeyError } from './stores/sealed.js';
import type { TokenStore } from './stores/token-store.js';
import { resolveBinary } from './temporal/binaries.js';
import { connectWorkerConnection } from './temporal/connection.js';
import { startDevServer } from './temporal/dev-server.js';
import { refuseLostHistories } from './temporal/histories-file.js';
import { movePortfoliosAtStart } from './temporal/move-portfolios.js';
import { workflowStackTraces } from './temporal/workflow-threads.js';
import { runWatched, buildNumberflowWorkers } from './worker.js';
import { warnOfJourneysElsewhere } from './temporal/journeys-elsewhere.js';
import { Runtime } from '@temporalio/worker';
import { metricsUrl } from './telemetry/runtime-metrics.js';
import { reportWorkerMemory } from './telemetry/worker-memory.js';
import { makeDir } from './make-dir.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  installTemporalLogging(logger, config);
  await withStops((stops) => run(config, logger, stops));
}

async function run(config: Config, logger: Logger, stops: Stop[]): Promise<void> {
  // Owner-only when made here: it holds keys, tokens and histories (the dev server's files are made owner-only too).
  makeDir(config.NUMBERFLOW_DATA_DIR, 0o700);
  // Before its keys are made: a folder that lost its journeys' file stops here.
  if (!config.TEMPORAL_ADDRESS) refuseLostHistories(config.NUMBERFLOW_DATA_DIR, (message) => logger.warn(message));
  const codecKeys = codecKeysFor(config);
  const secrets = secretsKeysFor(config, { unseal: true });
  // First: a malformed API token file stops the start before anything is started.
  const service = serviceOptions(config, logger, { codec: codecKeys, secrets });
  let address = config.TEMPORAL_ADDRESS;
  /** Resolves with what ended the embedded server if it ends under numberflow (never for a TEMPORAL_ADDRESS). */
  let serverLost: Promise<string> = new Promise(() => undefined);
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
      onNotice: (message) => logger.info(message),
    });
    let lostHow: string | null = null; // ended under numberflow: nothing left to stop
    stops.push(async () => {
      await devServer.stop();
      logger.info(
        lostHow === null
          ? `Temporal dev server stopped; data kept in ${devServer.dbFile}`
          : `Temporal dev server had ended (${lostHow}); data kept in ${devServer.dbFile}`,
      );
    });
    address = devServer.address;
    serverLost = devServer.lost.then((how) => {
      lostHow = how;
      return `the Temporal dev server (pid ${devServer.pid}) ${how}: see its log, ${devServer.logFile}`;
    });
    logger.info(
      { startupMs: devServer.startupMs, db: devServer.dbFile, log: devServer.logFile, pid: devServer.pid },
      `Temporal dev server on ${devServer.address}${devServer.reused ? ' (reused, left running by an earlier start)' : ''}, Web UI at ${webUiUrl(devServer.uiUrl, config.TEMPORAL_NAMESPACE)}`,
    );
    if (devServer.uiCodecEndpoint !== codecEndpoint) {
      logger.warn(
        `the reused dev server's Web UI decodes through ${devServer.uiCodecEndpoint ?? 'no codec server'}, not ${codecEndpoint ?? 'none'}: ` +
          `a server keeps the flags it was started with; stop it (pid ${devServer.pid}) and start again to change it`,
      );
    }
  }

  const dataConverter = createDataConverter(codecKeys, secrets);
  // Customers' tokens, sealed under the store key; the system-user token (if any) serves WABAs without one.
  const { tracing, client, metrics, stores } = await openServiceBase(config, logger, stops, {
    tracingName: 'numberflow',
    dataConverter,
    codecKeys,
    address,
  });
  logger.info(`token store: ${stores.db.dialect} at ${stores.db.location}`);
  if (!config.TEMPORAL_ADDRESS) await warnOfJourneysElsewhere(client, (message) => logger.warn(message));
  // Without Meta credentials the sandbox signs with a secret of the data folder, and the service checks with it.
  const appSecret = appSecretOf(config);
  const sandbox = usesSandbox(config)
    ? // Its state lives in the data folder (encrypted): a journey caught mid-OTP goes on after a restart.
      await listenNamed({ port: 'SANDBOX_PORT' }, () =>
        startSandbox({
          port: config.SANDBOX_PORT,
          appId: SANDBOX_APP_ID,
          appSecret,
          logger,
          stateDir: config.NUMBERFLOW_DATA_DIR,
          // Its demo account's webhooks are made before the service listens: they wait for its URL.
          holdWebhooksUntilUrl: true,
          // As Meta retries for days: a service that refused a while (a full disk, say) gets them without a restart.
          webhookRetryGivenUpEveryMs: 60_000,
        }),
      )
    : undefined;
  if (sandbox) stops.push(() => sandbox.close());
  const tokens = new PerWabaTokenProvider(stores.tokens, config.META_ACCESS_TOKEN);
  const graph = graphClientFromConfig(config, tokens, { sandboxUrl: sandbox?.url, observe: metrics.graphCalls });
  stops.push(() => graph.close());

  // The store key against the stored tokens before anything is served (a signup would store one under it); the
  // sandbox's demo token is weighed apart, and mended after: stored again under a wrong key, it would pass the check.
  const warn = (message: string) => logger.warn(message);
  await checkStoreKey(stores.tokens, warn, { except: sandbox?.demoAccount().wabaId });
  if (sandbox) await storeDemoToken(sandbox, stores.tokens, logger);

  const { app: http, url: httpUrl } = await serveHttp(config, {
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    appSecret,
    verifyToken:
      config.META_WEBHOOK_VERIFY_TOKEN ?? localSecret(config.NUMBERFLOW_DATA_DIR, 'sandbox-webhook-verify-token'),
    logger,
    graph,
    identities: stores.identities,
    metrics,
    signups: { graph, tokens: stores.tokens, ledger: await SqlSignupLedger.open(stores.db) },
    ...service,
  });
  stops.push(() => http.close());
  if (sandbox) sandboxDemo(sandbox, logger, `${httpUrl}/webhooks/meta`);

  const connection = await connectWorkerConnection(config, address);
  stops.push(() => connection.close());
  const workers = await buildNumberflowWorkers(config, connection, { graph, client, stores, dataConverter, tracing });
  logger.info(
    `worker polling task queues "${workers.taskQueues.join('" and "')}" in namespace "${config.TEMPORAL_NAMESPACE}"`,
  );
  // The worker's own metrics, as `npm run worker` serves them: the runtime's and the process's memory.
  const runtimeMetricsAt = metricsUrl(config);
  if (runtimeMetricsAt) {
    reportWorkerMemory(Runtime.instance().metricMeter); // stops with the process
    logger.info(`the worker's metrics (Temporal's runtime, the worker's memory) at ${runtimeMetricsAt}`);
  }
  const stackTraces = workflowStackTraces(workflowStackTracesAsked(config));
  if (stackTraces.asAsked) logger.info(stackTraces.message);
  else logger.warn(stackTraces.message);
  logger.info('numberflow is running; press Ctrl-C to stop');
  // The Temporal runtime turns SIGINT/SIGTERM into worker.shutdown(); run() resolves once in-flight tasks drain.
  // Beside it, the portfolios a version before left on the journeys' queue are asked to move to their own: not
  // awaited, so a stop never waits for that listing (cut short, it logs and the next start asks again).
  void movePortfoliosAtStart(client, config, logger);
  // Without its server numberflow can do nothing: it says so and stops (the worker drains), instead of retrying. A
  // stop signal that reached the server too (a whole process group or cgroup signalled) is a stop, not a loss.
  let signalled = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void (signalled = true));
  let lost: string | null = null;
  const drainCutShort = serverLost.then(async (why) => {
    if (signalled) return new Promise<never>(() => undefined);
    lost = why;
    logger.error(`${why}; numberflow stops`);
    workers.shutdown();
    // An activity that ignores its cancellation must not hold a start whose server is gone.
    await delay(LOST_DRAIN_MS, undefined, { ref: false });
    logger.warn(`the worker did not drain within ${LOST_DRAIN_MS / 1000} s of losing its server`);
  });
  // A worker stuck without polling (WORKER_STUCK_AFTER) stops numberflow too, saying so.
  const drained = runWatched(workers, {
    client,
    logger,
    stuckAfterMs: stuckAfterMs(config),
    drainMs: LOST_DRAIN_MS,
  }).then(
    () => logger.info('worker stopped'),
    (err: unknown) => {
      if (!lost) throw err; // a worker failing without its server says less than the loss does
    },
  );
  await Promise.race([drained, drainCutShort]);
  if (lost) throw new Error(`${lost as string}; start numberflow again`);
}

/** How long the worker may drain once the dev server is gone. */
const LOST_DRAIN_MS = 15_000;

/** No Meta credentials: the Graph API sandbox stands in for Meta, with a demo portfolio, WABA and token. */
function sandboxDemo(sandbox: Sandbox, logger: Logger, webhookUrl: string): void {
  sandbox.admin.setWebhookUrl(webhookUrl);
  const { portfolioId, wabaId } = sandbox.demoAccount();
  logger.info(
    { portfolioId, wabaId, outbox: `${sandbox.url}/_sandbox/outbox` },
    `no META_ACCESS_TOKEN nor META_APP_ID: Graph API sandbox on ${sandbox.url} (demo portfolio ${portfolioId}, WABA ${wabaId}); delivered codes in its outbox`,
  );
}

/**
 * The demo WABA's token, stored once: a later signup's (or `token set`'s) is kept across restarts (the sandbox's state,
 * demo portfolio, WABA and token, is kept in the data folder). One sealed under a store key since taken away (README's
 * rotation: the old key goes once no token names it) is the sandbox's, not a customer's: it is stored again, said.
 * One that another key under its id does not open stops the start, as checkStoreKey stops it for any other token.
 */
async function storeDemoToken(sandbox: Sandbox, tokens: TokenStore, logger: Logger): Promise<void> {
  const { wabaId, token } = sandbox.demoAccount();
  try {
    if ((await tokens.get(wabaId)) !== undefined) return;
  } catch (err) {
    if (!(err instanceof StoreKeyError)) throw err;
    if (err.held) throw storeKeyRefusal(err);
    logger.warn({ wabaId, keyId: err.keyId }, `${err.message}; the sandbox's demo token is stored again`);
  }
  await tokens.put(wabaId, token, { source: 'manual', by: 'sandbox demo' });
}

runMain(main);

/** The Web UI's page of the namespace's workflows: it opens `default` otherwise. */
function webUiUrl(uiUrl: string, namespace: string): string {
  return namespace === 'default' ? uiUrl : `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows`;
}
