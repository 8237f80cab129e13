// `/portfolios/<id>`: a portfolio as its query answers it, within the principal's portfolios (another's is not found).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { portfolioParams } from '../../api/schemas.js';
import { ensureSees } from '../../auth/hooks.js';
import { PortfolioNotFoundError, readPortfolio } from '../../../portfolios/portfolio.js';
import { pageContext, requireSession, sendPage, sessionFrom, type ConsoleContext } from '../context.js';
import { portfolioPage } from '../pages/portfolio.js';

export function portfolioRoutes(app: FastifyInstance, context: ConsoleContext): void {
  app
    .withTypeProvider<ZodTypeProvider>()
    .get(
      '/portfolios/:portfolioId',
      { onRequest: requireSession(context), schema: { params: portfolioParams } },
      async (request, reply) => {
        const session = sessionFrom(request);
        const { portfolioId } = request.params;
        ensureSees(session.principal, portfolioId, new PortfolioNotFoundError(portfolioId).message);
        const view = await readPortfolio(context.client, portfolioId);
        return sendPage(reply, portfolioPage(pageContext(context, session), view));
      },
    );
}
