// The Meta webhook endpoint: the GET handshake, and POSTs verified over their raw bytes before any parsing.
// Answers as Meta expects: 200 once durably handed over — put in the service's inbox (./webhook-inbox.ts, routed
// after the answer), or, without one, routed to Temporal; 401/400/413 for what must not be trusted; 500 when
// routing failed and 503 when the inbox is full, so that Meta delivers again (duplicates are harmless).
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { bodiesPerWaba, readWebhook, verifyHandshake, webhookEvents, WEBHOOK_MAX_BYTES } from '../graph/webhooks.js';
import { bounded } from '../graph/webhook-limits.js';
import { handOver, type Route, type WebhookDeliveryOutcome } from './webhook-handover.js';
import { WebhookDeadLetters } from './webhook-dead-letters.js';
import { drainWebhookInbox, type WebhookDrain } from './webhook-drain.js';
import { peerOf } from './request-line.js';
import { WebhookInbox, type WebhookInboxOptions } from './webhook-inbox.js';

const REFUSALS = { 401: 'bad_signature', 413: 'too_large', 400: 'unusable' } as const;

export interface WebhookRouteOptions {
  path?: string;
  appSecret: string;
  verifyToken: string;
  route: Route;
  logger: Logger;
  /** Where deliveries are kept until routed (left out: each is routed before it is answered). */
  inbox?: OpenWebhookInbox;
  /** Told how each delivery was answered (metrics). */
  delivered?: (outcome: WebhookDeliveryOutcome) => void;
}

/** The service's webhook inbox, its drain, and its dead letters as an admin handles them. */
export interface OpenWebhookInbox {
  inbox: WebhookInbox;
  drain: WebhookDrain;
  deadLetters: WebhookDeadLetters;
  /** Stops the drain (bounded), then closes the file. */
  close(): Promise<void>;
}

/** Opens the inbox file (taking its lock) and starts draining what it holds. */
export function openWebhookInbox(
  { file, replica, deadLetterDays, ...options }: WebhookInboxSettings,
  { route, logger, delivered }: Pick<WebhookRouteOptions, 'route' | 'logger' | 'delivered'>,
): OpenWebhookInbox {
  const inbox = WebhookInbox.open(file, options);
  const drain = drainWebhookInbox({ inbox, route, logger, delivered });
  const deadLetters = new WebhookDeadLetters(inbox, drain, logger, { replica, keepDays: deadLetterDays });
  const stopExpiring = deadLetters.expireEvery();
  return {
    inbox,
    drain,
    deadLetters,
    async close() {
      stopExpiring();
      await drain.stop();
      inbox.close();
    },
  };
}

/** Where the service keeps its inbox, whose it is, and how long it keeps its dead letters. */
export type WebhookInboxSettings = {
  file: string;
  replica?: string;
  /** Days a dead letter is kept once given up on (WEBHOOK_DEAD_LETTER_DAYS). */
  deadLetterDays?: number;
} & WebhookInboxOptions;

export async function webhookRoutes(app: FastifyInstance, options: WebhookRouteOptions): Promise<void> {
  const path = options.path ?? '/webhooks/meta';
  const { route, logger, delivered } = options;
  const { inbox, drain } = options.inbox ?? {};

  app.get(path, async (request, reply) => {
    const result = verifyHandshake(request.query as Record<string, unknown>, options.verifyToken);
    if (!result.ok) return reply.code(403).send({ error: result.reason });
    return reply.type('text/plain').send(result.challenge);
  });

  await app.register(async (scoped) => {
    // A body past Meta's largest is refused before the handler: answered as the handler refuses, counted, Meta's
    // limit named (the API's own 413 names the /v1 limits).
    scoped.setErrorHandler((err: FastifyError, _request, reply) => {
      if (err.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw err;
      delivered?.(REFUSALS[413]);
      return reply.code(413).send({ error: `the body exceeds ${WEBHOOK_MAX_BYTES} bytes` });
    });
    // The signature covers the raw bytes: keep them, parse nothing (not even JSON) before verification.
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_MAX_BYTES + 1 }, (_req, body, done) =>
      done(null, body),
    );
    // Meta may deliver thousands a second: each is counted by outcome in /metrics, and a refusal logged below; a
    // line per delivery at info cost the receiver about 30% of its rate (the service's logger, to /dev/null).
    scoped.post(path, { config: { requestLogLevel: 'debug' } }, async (request, reply) => {
      const receivedAt = Date.now();
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const read = readWebhook(raw, request.headers['x-hub-signature-256'], options.appSecret);
      if (!read.ok) {
        delivered?.(REFUSALS[read.status]);
        const reason = bounded(read.reason);
        // Signed by Meta but not a WhatsApp envelope: a redelivery would not change it, so it is taken and logged.
        if (read.status === 400) {
          // Its request line is at debug (a 200): the warning names the sender itself.
          request.log.warn(
            { status: 200, reason, ...peerOf(request) },
            'webhook taken unread: signed, but not a change numberflow can use',
          );
          return reply.code(200).send({ received: 0 });
        }
        // The request's logger: its reqId ties the warning to the request line (with the sender's address).
        request.log.warn({ status: read.status, reason }, 'webhook refused');
        return reply.code(read.status).send({ error: read.reason });
      }
      if (inbox && drain) {
        if (inbox.full) {
          delivered?.('inbox_full');
          request.log.warn({ waiting: inbox.size }, 'webhook inbox full; Meta will deliver again');
          return reply.code(503).send({ error: 'the webhook inbox is full; deliver again later' });
        }
        // One per WABA from here on, in the inbox and in its counts.
        const bodies = bodiesPerWaba(raw, read);
        try {
          await inbox.put(bodies, receivedAt);
        } catch (err) {
          // Not kept, so not answered 200: Meta delivers it again, once the disk has room say.
          delivered?.('not_kept');
          request.log.error({ err }, 'webhook not kept: the inbox could not write it; Meta will deliver again');
          return reply
            .code(503)
            .send({ error: `the webhook inbox could not keep the delivery (${errorCode(err)}); deliver again later` });
        }
        for (let i = 0; i < bodies.length; i++) delivered?.('queued');
        drain.wake();
        return reply.code(200).send({ received: read.changes });
      }
      const events = webhookEvents(read.envelope, receivedAt);
      // A failed change is delivered again with the whole batch; the others, routed already, are harmless twice.
      if ((await handOver(events, route, logger, delivered)) !== 'routed')
        return reply.code(500).send({ error: 'routing failed' });
      return reply.code(200).send({ received: events.length });
    });
  });
}

/** An error's code (SQLITE_FULL, ENOSPC) for the answer: its message may carry a path. */
function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'a write failed';
}
