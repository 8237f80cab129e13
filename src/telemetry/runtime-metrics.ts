// The Temporal runtime's own Prometheus exporter (the SDK's worker, workflow and activity metrics), on
// NUMBERFLOW_METRICS_HOST:NUMBERFLOW_METRICS_PORT at /metrics; no port, no exporter.
import { isIPv6 } from 'node:net';
import type { TelemetryOptions } from '@temporalio/worker';
import type { Config } from '../config.js';

export type MetricsConfig = Pick<Config, 'NUMBERFLOW_METRICS_PORT' | 'NUMBERFLOW_METRICS_HOST'>;

/** host:port as the runtime binds it (an IPv6 host in brackets); no port, none. */
export function bindAddress(config: MetricsConfig): string | undefined {
  if (!config.NUMBERFLOW_METRICS_PORT) return undefined;
  const host = config.NUMBERFLOW_METRICS_HOST;
  return `${isIPv6(host) ? `[${host}]` : host}:${config.NUMBERFLOW_METRICS_PORT}`;
}

/** Where Prometheus scrapes the runtime's metrics, for the start-up log line. */
export function metricsUrl(config: MetricsConfig): string | undefined {
  const address = bindAddress(config);
  return address && `http://${address}/metrics`;
}

/** Prometheus' conventions: counters end in _total, durations in seconds with the unit in the name. */
export function runtimeMetrics(config: MetricsConfig): TelemetryOptions['metrics'] {
  const address = bindAddress(config);
  if (!address) return undefined;
  return {
    prometheus: { bindAddress: address, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true },
  };
}
