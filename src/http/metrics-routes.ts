// GET /metrics: numberflow's metrics in Prometheus' text format. Not for the public: a proxy in front forwards only
// Meta's webhooks and the codec server (docs/architecture.md#observability).
import type { FastifyInstance } from 'fastify';
import type { ServiceMetrics } from '../telemetry/metrics.js';

export async function metricsRoutes(app: FastifyInstance, { registry }: ServiceMetrics): Promise<void> {
  // Scraped every few seconds by each Prometheus: its request line at debug, not a line every scrape at info.
  app.get('/metrics', { config: { requestLogLevel: 'debug' } }, async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
}
