// The HTTP service (Fastify): Meta's webhook receiver, the codec server the Web UI and CLI decode histories through,
// and numberflow's metrics for Prometheus; the onboarding, operator and auditor APIs join it in later issues.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { GraphClient } from '../graph/client.js';
import type { ServiceMetrics } from '../telemetry/metrics.js';
import { codecRoutes, type CodecRoutesOptions } from './codec-routes.js';
import { metricsRoutes } from './metrics-routes.js';
import { createWebhookRouter } from './webhook-router.js';
import { webhookRoutes } from './webhook-routes.js';

export interface HttpAppOptions {
  client: Client;
  taskQueue: string;
  appSecret: string;
  verifyToken: string;
  logger: Logger;
  /** The router asks Graph which portfolio owns a WABA that no journey knows yet. */
  graph: GraphClient;
  /** The codec server under /codec (left out, e.g. by a bench that only receives webhooks). */
  codec?: CodecRoutesOptions;
  /** numberflow's metrics on /metrics, webhook deliveries counted (left out: no /metrics). */
  metrics?: ServiceMetrics;
}

export async function buildHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: 4 * 1024 * 1024,
    // Fastify's request log shows whole URLs, and Meta's handshake carries hub.verify_token in the query:
    // requests are logged below, by path only.
    disableRequestLogging: true,
  });
  app.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?')[0];
    request.log.info(
      { method: request.method, path, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });
  const route = createWebhookRouter({ client: options.client, taskQueue: options.taskQueue, graph: options.graph });
  await app.register(webhookRoutes, { ...options, route, delivered: options.metrics?.webhookDelivered });
  if (options.codec) await app.register(codecRoutes, { ...options.codec, prefix: '/codec' });
  if (options.metrics) await app.register(metricsRoutes, options.metrics);
  app.get('/health', async () => ({ ok: true }));
  return app;
}
