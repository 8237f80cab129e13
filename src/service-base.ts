// What the HTTP service stands on in both ways of running it (`npm start`, `npm run service`): tracing if asked
// for, a Temporal client with the payload codec, the search attributes, the service's metrics and the stores.
// Each piece is closed by the caller's stops, in reverse.
import type { CodecKeys } from './codec/aes-gcm-codec.js';
import type { createDataConverter } from './codec/data-converter.js';
import { checkKeysAtStart } from './codec/history-keys.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Stop } from './run-main.js';
import { openStores } from './stores/open.js';
import { createServiceMetrics } from './telemetry/metrics.js';
import { shownTracesUrl, startTracing } from './telemetry/tracing.js';
import { connectClient } from './temporal/connection.js';
import { registerSearchAttributes } from './temporal/search-attributes.js';
import { warnOfShortRetention } from './temporal/retention.js';

export interface ServiceBaseOptions {
  /** The service name traces carry. */
  tracingName: string;
  dataConverter: ReturnType<typeof createDataConverter>;
  /** The payload keys of `dataConverter`, checked against the running runs at start. */
  codecKeys: CodecKeys;
  /** The embedded dev server's address; a fleet's comes from TEMPORAL_ADDRESS. */
  address?: string;
}

/**
 * The journey gauges' failures, said once while they last (at warn, the first with its error), and their end: every
 * scrape of a Temporal that is away would log a stack at warn.
 */
export function countingFailures(logger: Logger) {
  let failing = false;
  return {
    onError(err: unknown) {
      if (failing) return logger.debug({ err }, 'journeys could not be counted for /metrics');
      failing = true;
      logger.warn({ err }, 'journeys could not be counted for /metrics (said once, until they are again)');
    },
    onCounted() {
      if (failing) logger.info('journeys are counted for /metrics again');
      failing = false;
    },
  };
}

export async function openServiceBase(config: Config, logger: Logger, stops: Stop[], options: ServiceBaseOptions) {
  const tracing = await startTracing(config, options.tracingName, (message) => logger.warn(message));
  if (tracing) {
    stops.push(() => tracing.shutdown());
    logger.info(`tracing: spans exported to ${shownTracesUrl(config)}`);
  }
  const client = await connectClient(config, options.dataConverter, {
    address: options.address,
    interceptors: tracing?.clientInterceptors,
    role: 'service',
  });
  stops.push(() => client.connection.close());
  // Also on the embedded server: one left running by an earlier version may lack a newer attribute.
  await registerSearchAttributes(client, config.TEMPORAL_NAMESPACE, logger);
  await warnOfShortRetention(client.connection, config.TEMPORAL_NAMESPACE, logger);
  await checkKeysAtStart(client, options.codecKeys, config, logger);
  // Graph calls of the worker and of the service, on the HTTP service's /metrics.
  const metrics = createServiceMetrics(client, countingFailures(logger));
  const stores = await openStores(config);
  stops.push(() => stores.close());
  return { tracing, client, metrics, stores };
}
