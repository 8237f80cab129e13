// numberflow_graph_calls_total{endpoint, outcome, code}: one series definition, counted by prom-client where the
// process serves /metrics itself (the HTTP service, npm start), or by the Temporal runtime's meter in a worker alone,
// whose Prometheus port carries the SDK's metrics too.
import type { MetricMeter } from '@temporalio/common';
import { Counter, type Registry } from 'prom-client';
import type { GraphCallObserver } from '../graph/transport.js';

const NAME = 'numberflow_graph_calls';
const HELP = "Graph API calls by endpoint template, outcome and Meta's error code";

export function countGraphCallsIn(registry: Registry): GraphCallObserver {
  const counter = new Counter({
    name: `${NAME}_total`,
    help: HELP,
    labelNames: ['endpoint', 'outcome', 'code'] as const,
    registers: [registry],
  });
  return ({ endpoint, outcome, code }) => counter.inc({ endpoint, outcome, code });
}

/** The runtime's Prometheus exporter adds `_total` (countersTotalSuffix), as prom-client's name has it. */
export function countGraphCallsWith(meter: MetricMeter): GraphCallObserver {
  const counter = meter.createCounter(NAME, 'calls', HELP);
  return ({ endpoint, outcome, code }) => counter.add(1, { endpoint, outcome, code });
}
