// The Temporal runtime's logs (worker, workflow, activity) into the app's logger, and its metrics for Prometheus:
// installed once per process, by the processes that run a worker.
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { runtimeMetrics } from '../telemetry/runtime-metrics.js';

let runtimeInstalled = false;

/**
 * Routes the Temporal runtime's (worker, workflow, activity) logs into the app logger, and serves its metrics on
 * NUMBERFLOW_METRICS_PORT when `metrics` has one. Once per process.
 */
export function installTemporalLogging(
  logger: Logger,
  metrics?: Pick<Config, 'NUMBERFLOW_METRICS_PORT' | 'NUMBERFLOW_METRICS_HOST'>,
): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = logger.level.toUpperCase() as LogLevel;
  const exported = metrics && runtimeMetrics(metrics);
  Runtime.install({
    ...(exported ? { telemetryOptions: { metrics: exported } } : {}),
    logger: new DefaultLogger(level === ('FATAL' as LogLevel) ? 'ERROR' : level, (entry) => {
      const method = entry.level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
      logger[method]({ ...entry.meta, source: 'temporal' }, entry.message);
    }),
  });
}
