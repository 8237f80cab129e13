// The Meta webhook endpoint: the GET handshake, and POSTs verified over their raw bytes before any parsing.
// Answers as Meta expects: 200 once routed; 401/400/413 for what must not be trusted; 500 when routing failed,
// so that Meta delivers again (duplicates are harmless).
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { parseWebhook, verifyHandshake, WEBHOOK_MAX_BYTES } from '../graph/webhooks.js';
import { bounded } from '../graph/webhook-limits.js';
import type { WebhookEvent } from '../graph/webhooks.js';
import type { createWebhookRouter, RoutedEvent } from './webhook-router.js';

type Route = ReturnType<typeof createWebhookRouter>;

/** How a delivery (one POST) was answered: routed (200), routing_failed (500: Meta delivers again), or refused. */
export type WebhookDeliveryOutcome = 'routed' | 'routing_failed' | 'bad_signature' | 'too_large' | 'unusable';

const REFUSALS = { 401: 'bad_signature', 413: 'too_large', 400: 'unusable' } as const;

export interface WebhookRouteOptions {
  path?: string;
  appSecret: string;
  verifyToken: string;
  route: Route;
  logger: Logger;
  /** Told how each delivery was answered (metrics). */
  delivered?: (outcome: WebhookDeliveryOutcome) => void;
}

export async function webhookRoutes(app: FastifyInstance, options: WebhookRouteOptions): Promise<void> {
  const path = options.path ?? '/webhooks/meta';

  app.get(path, async (request, reply) => {
    const result = verifyHandshake(request.query as Record<string, unknown>, options.verifyToken);
    if (!result.ok) return reply.code(403).send({ error: result.reason });
    return reply.type('text/plain').send(result.challenge);
  });

  await app.register(async (scoped) => {
    // The signature covers the raw bytes: keep them, parse nothing (not even JSON) before verification.
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_MAX_BYTES + 1 }, (_req, body, done) =>
      done(null, body),
    );
    scoped.post(path, async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const parsed = parseWebhook(raw, request.headers['x-hub-signature-256'], options.appSecret);
      if (!parsed.ok) {
        options.delivered?.(REFUSALS[parsed.status]);
        options.logger.warn({ status: parsed.status, reason: bounded(parsed.reason) }, 'webhook refused');
        // Signed by Meta but not a WhatsApp envelope: a redelivery would not change it, so it is taken and logged.
        if (parsed.status === 400) return reply.code(200).send({ received: 0 });
        return reply.code(parsed.status).send({ error: parsed.reason });
      }
      const { routed, failed } = await routeEach(parsed.events, options.route, options.logger);
      options.logger.info(summary(routed), 'webhook routed');
      options.delivered?.(failed > 0 ? 'routing_failed' : 'routed');
      // A failed change is delivered again with the whole batch; the others, routed already, are harmless twice.
      if (failed > 0) return reply.code(500).send({ error: 'routing failed' });
      return reply.code(200).send({ received: parsed.events.length });
    });
  });
}

/** Routes every change on its own, in Meta's order: one that fails (Temporal unreachable) never stops the rest. */
async function routeEach(events: WebhookEvent[], route: Route, logger: Logger) {
  const routed: RoutedEvent[] = [];
  let failed = 0;
  for (const event of events) {
    try {
      routed.push(...(await route(event)));
    } catch (err) {
      failed++;
      if (failed <= LOGGED_FAILURES)
        logger.error({ err, field: event.field }, 'webhook change not routed; Meta will deliver it again');
      routed.push({ field: event.field, target: null, outcome: 'failed' });
    }
  }
  return { routed, failed };
}

const LOGGED_FAILURES = 3;
const LOGGED_OUTCOMES = 10;

/** A bounded log record of a batch: outcomes counted, the first few shown. */
function summary(routed: RoutedEvent[]) {
  const outcomes: Record<string, number> = {};
  for (const { outcome } of routed) {
    const kind = outcome.split(':')[0] ?? outcome;
    outcomes[kind] = (outcomes[kind] ?? 0) + 1;
  }
  return {
    outcomes,
    routed: routed
      .slice(0, LOGGED_OUTCOMES)
      .map((r) => ({ ...r, field: bounded(r.field, 80), outcome: bounded(r.outcome) })),
  };
}
