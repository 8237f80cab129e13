// The Meta webhook endpoint: the GET handshake, and POSTs verified over their raw bytes before any parsing.
// Answers as Meta expects: 200 once routed; 401/400/413 for what must not be trusted; 500 when routing failed,
// so that Meta delivers again (duplicates are harmless).
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { parseWebhook, verifyHandshake, WEBHOOK_MAX_BYTES } from '../graph/webhooks.js';
import type { createWebhookRouter } from './webhook-router.js';

export interface WebhookRouteOptions {
  path?: string;
  appSecret: string;
  verifyToken: string;
  route: ReturnType<typeof createWebhookRouter>;
  logger: Logger;
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
        options.logger.warn({ status: parsed.status, reason: parsed.reason }, 'webhook refused');
        // Signed by Meta but not a WhatsApp envelope: a redelivery would not change it, so it is taken and logged.
        if (parsed.status === 400) return reply.code(200).send({ received: 0 });
        return reply.code(parsed.status).send({ error: parsed.reason });
      }
      try {
        const routed = [];
        for (const event of parsed.events) routed.push(...(await options.route(event))); // in Meta's order
        options.logger.info({ routed }, 'webhook routed');
        return reply.code(200).send({ received: parsed.events.length });
      } catch (err) {
        options.logger.error({ err }, 'webhook routing failed; Meta will deliver it again');
        return reply.code(500).send({ error: 'routing failed' });
      }
    });
  });
}
