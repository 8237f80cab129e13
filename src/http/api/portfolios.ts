// /v1/portfolios/{id}: a portfolio's registered-number cap and where it came from, who holds its slots and who
// waits; an admin sets the cap, or asks for a reconciliation now.
import {
  PortfolioNotFoundError,
  readPortfolio,
  reconcilePortfolio,
  setPortfolioCap,
} from '../../portfolios/portfolio.js';
import { RECONCILED_WITHIN_MS } from '../../domain/portfolio.js';
import { ensureSees, principalOf } from '../auth/hooks.js';
import { errors, secured, type ApiContext, type ZodApp } from './context.js';
import { capBody, portfolioParams, portfolioSchema, reconcileBody } from './schemas.js';

export function portfolioRoutes(app: ZodApp, context: ApiContext): void {
  const { client } = context;

  const read = secured(context, 'read', ['portfolios']);
  app.get(
    '/v1/portfolios/:portfolioId',
    {
      ...read,
      schema: {
        ...read.schema,
        summary: "a portfolio's cap and where it came from, the numbers holding its slots, and the queue in order",
        params: portfolioParams,
        response: { 200: portfolioSchema.describe('the portfolio'), ...errors(400, 404) },
      },
    },
    async (request) => {
      const { portfolioId } = request.params;
      ensureSees(principalOf(request), portfolioId, new PortfolioNotFoundError(portfolioId).message);
      return readPortfolio(client, portfolioId);
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
          ...errors(400, 404, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const { portfolioId } = request.params;
      const principal = principalOf(request);
      ensureSees(principal, portfolioId, new PortfolioNotFoundError(portfolioId).message);
      const { cap, reason } = request.body;
      const { view, taken } = await setPortfolioCap(client, portfolioId, { cap, actor: principal.name, reason });
      return reply.code(taken ? 200 : 202).send(view);
    },
  );

  app.post(
    '/v1/portfolios/:portfolioId/reconcile',
    {
      ...administer,
      schema: {
        ...administer.schema,
        summary:
          'reconcile the slot holders with their journeys and with Meta now, not at the next hourly time (admins); the portfolio notes who asked and why',
        params: portfolioParams,
        body: reconcileBody,
        response: {
          200: portfolioSchema.describe('the portfolio, reconciled (lastReconciliation says what was found)'),
          202: portfolioSchema.describe(
            `asked; the reconciliation had not ended within ${RECONCILED_WITHIN_MS / 1000} seconds (it goes on)`,
          ),
          ...errors(400, 404, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const { portfolioId } = request.params;
      const principal = principalOf(request);
      ensureSees(principal, portfolioId, new PortfolioNotFoundError(portfolioId).message);
      const { reason } = request.body;
      const { view, reconciled } = await reconcilePortfolio(client, portfolioId, { actor: principal.name, reason });
      return reply.code(reconciled ? 200 : 202).send(view);
    },
  );
}
