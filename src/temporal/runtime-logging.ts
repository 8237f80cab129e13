// The Temporal runtime's logs (worker, workflow, activity) into the app's logger, and its metrics for Prometheus:
// installed once per process, by the processes that run a worker.
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { ConfigError } from '../config.js';
import type { Logger } from '../logger.js';
import { PORT_IN_USE } from '../listen-named.js';
import { bindAddress, runtimeMetrics, type MetricsConfig } from '../telemetry/runtime-metrics.js';

let runtimeInstalled = false;

/**
 * Routes the Temporal runtime's (worker, workflow, activity) logs into the app logger, and serves its metrics on
 * NUMBERFLOW_METRICS_PORT when `metrics` has one. Once per process.
 */
export function installTemporalLogging(logger: Logger, metrics?: MetricsConfig): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = logger.level.toUpperCase() as LogLevel;
  const exported = metrics && runtimeMetrics(metrics);
  try {
    Runtime.install({
      ...(exported ? { telemetryOptions: { metrics: exported } } : {}),
      logger: new DefaultLogger(level === ('FATAL' as LogLevel) ? 'ERROR' : level, (entry) => {
        const method = entry.level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
        logger[method]({ ...entry.meta, source: 'temporal' }, entry.message);
      }),
    });
  } catch (err) {
    // The runtime's own words name no variable ("Failed to start prometheus metrics exporter: Address already in use").
    if (!exported || !metrics) throw err;
    throw metricsProblem(metrics, err);
  }
}

function metricsProblem(metrics: MetricsConfig, err: unknown): Error {
  const words = err instanceof Error ? err.message : String(err);
  const why = /in use/i.test(words) ? PORT_IN_USE : `could not serve the metrics (${words})`;
  return new ConfigError(`NUMBERFLOW_METRICS_PORT: ${bindAddress(metrics) ?? '?'} ${why}`, { cause: err });
}
