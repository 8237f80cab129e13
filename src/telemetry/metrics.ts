// numberflow's own metrics for Prometheus (prom-client), served by the HTTP service on /metrics: Graph calls, Meta's
// webhook deliveries, journeys by stage and people's waits (counted in visibility), and Node's process metrics.
// The Temporal SDK's metrics are on the worker's NUMBERFLOW_METRICS_PORT instead (the runtime's own exporter).
import type { Client } from '@temporalio/client';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import type { GraphCallObserver } from '../graph/transport.js';
import type { WebhookDeliveryOutcome } from '../http/webhook-handover.js';
import { countGraphCallsIn } from './graph-calls.js';
import { registerJourneyGauges, type JourneyGaugeOptions } from './journey-gauges.js';

export interface ServiceMetrics {
  registry: Registry;
  graphCalls: GraphCallObserver;
  webhookDelivered(outcome: WebhookDeliveryOutcome): void;
}

export function createServiceMetrics(
  client: Client,
  options: Pick<JourneyGaugeOptions, 'cacheMs' | 'onError' | 'onCounted' | 'portfolioId'> = {},
): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'numberflow_' });
  const deliveries = new Counter({
    name: 'numberflow_webhook_deliveries_total',
    help: "Meta's webhook deliveries (POSTs; one per WABA once queued) by how they were answered and drained",
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  registerJourneyGauges({ client, registry, ...options });
  return {
    registry,
    graphCalls: countGraphCallsIn(registry),
    webhookDelivered: (outcome) => deliveries.inc({ outcome }),
  };
}
