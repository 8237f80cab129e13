// `npm run service`: the HTTP service alone — the /v1 API, the operator console, Meta's webhook receiver, the codec
// server, /metrics — against TEMPORAL_ADDRESS, beside a fleet of workers (docker-compose.yml's `service`). It
// registers the search attributes where missing. SIGINT/SIGTERM close it: requests in flight are answered first.
import { once } from 'node:events';
import { createDataConverter } from './codec/data-converter.js';
import { requireDevServerKeys } from './codec/dev-server-keys.js';
import { codecKeysFor } from './codec/keys.js';
import { secretsKeysFor } from './codec/secrets-keys.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { graphClientFromConfig } from './graph/from-config.js';
import { PerWabaTokenProvider } from './graph/tokens.js';
import { serveHttp } from './http/serve.js';
import { serviceOptions } from './http/service-options.js';
import { SqlSignupLedger } from './intake/signup-ledger.js';
import { createLogger, type Logger } from './logger.js';
import { runMain, withStops, type Stop } from './run-main.js';
import { openServiceBase } from './service-base.js';
import { checkStoreKey } from './stores/open.js';

/** Meta's webhook secrets: `npm start` may make its own for the sandbox, a service alone faces Meta. */
function required(config: Config, name: 'META_APP_SECRET' | 'META_WEBHOOK_VERIFY_TOKEN', why: string): string {
  const value = config[name];
  if (!value) throw new ConfigError(`${name} is required by the HTTP service alone: ${why}`);
  return value;
}

async function run(config: Config, logger: Logger, stops: Stop[]): Promise<void> {
  const appSecret = required(config, 'META_APP_SECRET', "it verifies Meta's webhook signatures");
  const verifyToken = required(config, 'META_WEBHOOK_VERIFY_TOKEN', "it answers Meta's webhook handshake");
  requireDevServerKeys(config, 'the HTTP service');
  const codecKeys = codecKeysFor(config);
  // It seals the codes and PINs operators send: the public key is enough, and one is needed.
  const secrets = secretsKeysFor(config, { unseal: false, seal: true });
  const service = serviceOptions(config, logger, { codec: codecKeys, secrets });
  const dataConverter = createDataConverter(codecKeys, secrets);
  // The receiver asks Graph which portfolio owns a WABA no journey knows yet: with that WABA's token, if stored.
  const { client, metrics, stores } = await openServiceBase(config, logger, stops, {
    tracingName: 'numberflow-service',
    dataConverter,
    codecKeys,
  });
  await checkStoreKey(stores.tokens, (message) => logger.warn(message));
  const tokens = new PerWabaTokenProvider(stores.tokens, config.META_ACCESS_TOKEN);
  const graph = graphClientFromConfig(config, tokens, { observe: metrics.graphCalls });
  stops.push(() => graph.close());
  const { app } = await serveHttp(config, {
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    appSecret,
    verifyToken,
    logger,
    graph,
    identities: stores.identities,
    metrics,
    signups: { graph, tokens: stores.tokens, ledger: await SqlSignupLedger.open(stores.db) },
    ...service,
  });
  stops.push(() => app.close());
  const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  logger.info({ signal: String(signal[0] ?? '') }, 'HTTP service stopping');
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  await withStops((stops) => run(config, logger, stops));
  logger.info('HTTP service stopped');
}

runMain(main);
