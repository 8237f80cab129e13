// The Temporal runtime's logs (worker, workflow, activity) into the app's logger, and its metrics for Prometheus:
// installed once per process, by the processes that run a worker.
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';
import { GRAPH_FAILURE_TYPE } from '../domain/meta-error.js';
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
      telemetryOptions: {
        ...(exported ? { metrics: exported } : {}),
        // The core's own lines (a poll retried while Temporal is away) through the same logger, as JSON: left to the
        // console, they were coloured text among the JSON lines, which broke a log shipper's reading of them.
        logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
      },
      logger: new DefaultLogger(level === ('FATAL' as LogLevel) ? 'ERROR' : level, (entry) => {
        const passed = pollRetries.pass(entry, Date.now());
        if (passed === null) return;
        logger[levelOf(entry)]({ ...fieldsOf(entry), ...passed, source: 'temporal' }, entry.message);
      }),
    });
  } catch (err) {
    // The runtime's own words name no variable ("Failed to start prometheus metrics exporter: Address already in use").
    if (!exported || !metrics) throw err;
    throw metricsProblem(metrics, err);
  }
}

/** The core's target for a gRPC call it retries: each poller's poll, again and again while Temporal is away. */
const RETRY_TARGET = 'temporalio_client::retry';
/** At most one such line in this long: an outage wrote about 240 a minute, burying the lines that say something. */
const RETRY_LINE_EVERY_MS = 60_000;

/**
 * Lets the core's retried-call lines through one a minute, the next saying how many were left out meanwhile; every
 * other entry passes as it is. `pass` answers the fields to add, or null to leave the entry out.
 */
export function retryLineThrottle(everyMs = RETRY_LINE_EVERY_MS) {
  let lastAt = -Infinity;
  let leftOut = 0;
  return {
    pass(entry: Pick<LogEntry, 'meta' | 'level'>, now: number): Record<string, number> | null {
      // An error is said whatever came before it.
      if (entry.meta?.target !== RETRY_TARGET || entry.level === 'ERROR') return {};
      if (now - lastAt < everyMs) {
        leftOut++;
        return null;
      }
      const said: Record<string, number> = leftOut > 0 ? { retryLinesLeftOut: leftOut } : {};
      lastAt = now;
      leftOut = 0;
      return said;
    },
  };
}

const pollRetries = retryLineThrottle();

/**
 * A runtime entry's fields as the log keeps them: without an activity's task token, which would let whoever reads
 * the log complete or fail the activity (the workflow id, activity id and attempt beside it say which it was).
 */
export function fieldsOf(entry: LogEntry): Record<string, unknown> {
  // The TypeScript side says taskToken; the core's own lines, task_token.
  return Object.fromEntries(Object.entries(entry.meta ?? {}).filter(([key]) => !/^task_?token$/i.test(key)));
}

/** Meta's refusals of what a person typed: a wrong or expired code, a PIN that does not match. The journey asks again. */
const PERSONS_MISTAKES = new Set([136025, 133005]);

/**
 * The app logger's level for a runtime log entry: the SDK's own, but an activity that failed on a person's mistake
 * is said at info (the SDK warns of every failed activity: a wrong code is no warning, and 181 such lines in a
 * 40-minute trial buried the real ones). The journey's notes and the audit say each as before.
 */
export function levelOf(entry: LogEntry): Lowercase<LogLevel> {
  const level = entry.level.toLowerCase() as Lowercase<LogLevel>;
  const error = entry.meta?.error;
  if (level !== 'warn' || entry.message !== 'Activity failed' || !(error instanceof ApplicationFailure)) return level;
  const meta = error.type === GRAPH_FAILURE_TYPE ? (error.details?.[0] as { code?: unknown } | undefined) : undefined;
  return PERSONS_MISTAKES.has(Number(meta?.code)) ? 'info' : level;
}

function metricsProblem(metrics: MetricsConfig, err: unknown): Error {
  const words = err instanceof Error ? err.message : String(err);
  const why = /in use/i.test(words) ? PORT_IN_USE : `could not serve the metrics (${words})`;
  return new ConfigError(`NUMBERFLOW_METRICS_PORT: ${bindAddress(metrics) ?? '?'} ${why}`, { cause: err });
}
