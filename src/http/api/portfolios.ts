// /v1/portfolios/{id}: a portfolio's registered-number cap, who holds its slots and who waits; an admin sets the cap.
import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { capabilityUpdateSignal, portfolioQuery, portfolioWorkflowId } from '../../domain/portfolio.js';
import { ensureSees, principalOf } from '../auth/hooks.js';
import { ApiError } from '../errors.js';
import { errors, secured, type ApiContext, type ZodApp } from './context.js';
import { capBody, portfolioParams, portfolioSchema, type PortfolioView } from './schemas.js';

/** How long a new cap is looked for in the portfolio before it is answered as sent (202). */
const CAP_SEEN_WITHIN_MS = 5_000;

export function portfolioRoutes(app: ZodApp, context: ApiContext): void {
  const { client } = context;

  const read = secured(context, 'read', ['portfolios']);
  app.get(
    '/v1/portfolios/:portfolioId',
    {
      ...read,
      schema: {
        ...read.schema,
        summary: "a portfolio's cap, the numbers holding its slots, and the journeys queued for one",
        params: portfolioParams,
        response: { 200: portfolioSchema.describe('the portfolio'), ...errors(400, 404) },
      },
    },
    async (request) => {
      const { portfolioId } = request.params;
      ensureSees(principalOf(request), portfolioId, notFound(portfolioId));
      return viewOf(client, portfolioId);
    },
  );

  const administer = secured(context, 'administer', ['portfolios']);
  app.put(
    '/v1/portfolios/:portfolioId/cap',
    {
      ...administer,
      schema: {
        ...administer.schema,
        summary: "set the portfolio's registered-number cap (admins); the portfolio notes who set it and why",
        params: portfolioParams,
        body: capBody,
        response: {
          200: portfolioSchema.describe('the portfolio, with its new cap'),
          202: portfolioSchema.describe('sent; the portfolio had not taken it yet'),
          ...errors(400, 404, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const { portfolioId } = request.params;
      const principal = principalOf(request);
      ensureSees(principal, portfolioId, notFound(portfolioId));
      const handle = client.workflow.getHandle(portfolioWorkflowId(portfolioId));
      const running = await handle.describe().then(
        (d) => d.status.name === 'RUNNING',
        () => false,
      );
      if (!running) throw new ApiError(404, 'not_found', notFound(portfolioId));
      const { cap, reason } = request.body;
      await handle.signal(capabilityUpdateSignal, {
        maxPhoneNumbers: cap,
        source: 'admin',
        actor: principal.name,
        reason,
      });
      // The signal is taken on the portfolio's next workflow task: look for it there briefly.
      const deadline = Date.now() + CAP_SEEN_WITHIN_MS;
      for (;;) {
        const view = await viewOf(client, portfolioId);
        if (view.cap === cap) return reply.code(200).send(view);
        if (Date.now() > deadline) return reply.code(202).send(view);
        await delay(100);
      }
    },
  );
}

async function viewOf(client: Client, portfolioId: string): Promise<PortfolioView> {
  try {
    const { cap, holders, queue, admissions, notes } = await client.workflow
      .getHandle(portfolioWorkflowId(portfolioId))
      .query(portfolioQuery);
    return { portfolioId, cap, holders, queue, admissions, notes };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new ApiError(404, 'not_found', notFound(portfolioId));
    throw err;
  }
}

const notFound = (portfolioId: string) => `no portfolio ${portfolioId}`;
