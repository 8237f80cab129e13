// One structured logger (pino) for the app, also fed by the Temporal runtime so worker logs share its format.
import { pino, type Logger } from 'pino';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Config } from './config.js';
import { runtimeMetrics } from './telemetry/runtime-metrics.js';

export type { Logger };

/** `toStderr`: for a command whose standard output is its answer (the CLI). */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', toStderr = false): Logger {
  const options = { level, base: { app: 'numberflow' } };
  return toStderr ? pino(options, pino.destination({ dest: 2, sync: true })) : pino(options);
}

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
