// /v1/webhooks/dead-letters: the webhook deliveries the inbox gave up on, for admins. Listed without their bodies
// (customers' messages); one is replayed — back in the inbox under its own id, so before the later deliveries about
// its numbers or WABAs still waiting, as Meta sent them — and answered with what became of it, or discarded. Dead letters concern
// every customer: a principal limited to portfolios may not handle them.
import { z } from 'zod';
import type { WebhookDeadLetters } from '../webhook-dead-letters.js';
import { DrainStoppingError } from '../webhook-drain.js';
import { principalOf } from '../auth/hooks.js';
import { ApiError } from '../errors.js';
import { errors, secured, type ApiContext, type ZodApp } from './context.js';
import { deadLetterActionAnswer, deadLettersAnswer } from './dead-letter-schemas.js';
import { noBody, queryInteger } from './schemas.js';

const deadLettersQuery = z
  .object({
    after: queryInteger(0, Number.MAX_SAFE_INTEGER, 0, 'list the dead letters after this id (nextAfter)'),
    pageSize: queryInteger(1, 500, 100, 'dead letters a page'),
  })
  .strict();

/** As the CLI reads it: digits only (no 0x10, 1e3 or blanks), at most 15 of them. */
const deadLetterParams = z.object({
  id: z
    .string()
    .regex(/^[1-9]\d{0,14}$/, 'must be a dead letter’s id (a whole number from 1)')
    .transform(Number)
    .describe('the dead letter’s id, as listed'),
});

export function deadLetterRoutes(app: ZodApp, context: ApiContext): void {
  const administer = secured(context, 'administer', ['webhooks']);
  /** The dead letters, for a principal that sees every portfolio. */
  const deadLettersFor = (request: Parameters<typeof principalOf>[0]): WebhookDeadLetters => {
    if (principalOf(request).portfolios !== null) {
      throw new ApiError(
        403,
        'forbidden',
        "webhook dead letters concern every portfolio's WABAs: this needs an admin not limited to portfolios",
      );
    }
    if (!context.deadLetters) {
      throw new ApiError(
        501,
        'not_configured',
        'this service process keeps no webhook inbox: start it with npm start or npm run service',
      );
    }
    return context.deadLetters;
  };
  const notFound = (id: number) => new ApiError(404, 'not_found', `no webhook dead letter ${id}`);

  app.get(
    '/v1/webhooks/dead-letters',
    {
      ...administer,
      schema: {
        ...administer.schema,
        summary: 'the webhook deliveries the inbox gave up on, oldest first, without their bodies (admins)',
        querystring: deadLettersQuery,
        response: { 200: deadLettersAnswer.describe('a page of dead letters'), ...errors(400, 501) },
      },
    },
    async (request) => deadLettersFor(request).page(request.query.after, request.query.pageSize),
  );

  app.post(
    '/v1/webhooks/dead-letters/:id/replay',
    {
      ...administer,
      schema: {
        ...administer.schema,
        summary: 'put a dead letter back in the inbox and route it (admins; logged with who)',
        description:
          'It goes back under its own id: its place in the order received, so before the later deliveries about its numbers or WABAs still waiting. The answer comes once it is routed or failed again, or after 10 s (waiting). Failing again (not Temporal being unavailable), it goes straight back to the dead letters.',
        params: deadLetterParams,
        body: noBody,
        response: { 200: deadLetterActionAnswer.describe('what became of it'), ...errors(400, 404, 413, 415, 501) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const done = await deadLettersFor(request)
        .replay(id, principalOf(request).name)
        .catch((err: unknown) => {
          if (err instanceof DrainStoppingError) throw new ApiError(503, 'service_stopping', err.message);
          throw err;
        });
      if (!done) throw notFound(id);
      return done;
    },
  );

  app.delete(
    '/v1/webhooks/dead-letters/:id',
    {
      ...administer,
      schema: {
        ...administer.schema,
        summary: 'discard a dead letter for good (admins; logged with who)',
        params: deadLetterParams,
        response: { 200: deadLetterActionAnswer.describe('discarded'), ...errors(400, 404, 501) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const done = deadLettersFor(request).discard(id, principalOf(request).name);
      if (!done) throw notFound(id);
      return done;
    },
  );
}
