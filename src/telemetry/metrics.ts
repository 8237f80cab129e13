// numberflow's own metrics for Prometheus (prom-client), served by the HTTP service on /metrics: Graph calls, Meta's
// webhook deliveries, journeys by stage and people's waits (counted in visibility), and Node's process metrics.
// The Temporal SDK's metrics are on the worker's NUMBERFLOW_METRICS_PORT instead (the runtime's own exporter).
import type { Client } from '@temporalio/client';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
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

/** What the inbox gauges read: the webhook inbox (src/http/webhook-inbox.ts) as far as a scrape needs it. */
export interface InboxReadings {
  readonly isOpen: boolean;
  readonly size: number;
  oldestReceivedAt(): number | null;
  deadLetterCount(): number;
}

/**
 * The service's webhook inbox, read at each scrape: what waits to be routed, for how long, and the dead letters an
 * admin must look at — the counters restart with the process, the inbox does not. Registered again (a new app on
 * the same metrics), the gauges read the new inbox; the returned function takes them out (the app closing).
 */
export function registerInboxGauges(registry: Registry, inbox: InboxReadings): () => void {
  const gauges = [
    [
      'numberflow_webhook_inbox_waiting',
      "Meta's deliveries in the webhook inbox waiting to be routed",
      () => inbox.size,
    ],
    [
      'numberflow_webhook_inbox_oldest_age_seconds',
      'How long ago the oldest delivery still waiting in the webhook inbox was received (0: none waits)',
      () => {
        const oldest = inbox.oldestReceivedAt();
        return oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000);
      },
    ],
    [
      'numberflow_webhook_dead_letters',
      'Deliveries given up on, kept for an admin to replay or discard',
      () => inbox.deadLetterCount(),
    ],
  ] as const;
  const registered = gauges.map(([name, help, read]) => {
    registry.removeSingleMetric(name);
    const gauge = new Gauge({
      name,
      help,
      registers: [registry],
      // A closed inbox (the service stopping) or one that cannot be read answers 0, not a failed scrape: one gauge
      // failing would take every metric of the scrape with it.
      collect() {
        this.reset();
        if (!inbox.isOpen) return;
        try {
          this.set(read());
        } catch {
          // left at 0; the inbox's own failures are the receiver's to report
        }
      },
    });
    return { name, gauge };
  });
  return () => {
    for (const { name, gauge } of registered)
      if (registry.getSingleMetric(name) === gauge) registry.removeSingleMetric(name);
  };
}
