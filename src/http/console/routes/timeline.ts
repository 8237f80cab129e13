// A number's timeline for a signed-in principal who may audit (auditors, admins): the page, or with `?format=json`
// or `?format=markdown` the same timeline as the API answers it, to save. The browser holds no bearer token, so these
// are the session's routes. Runs of portfolios outside the principal's are left out; none left: not found.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { e164Params } from '../../api/schemas.js';
import { sendTimeline, visibleTimeline } from '../../api/timeline-answer.js';
import { ensureMay } from '../../auth/hooks.js';
import { pageContext, requireSession, sendPage, sessionFrom, type ConsoleContext } from '../context.js';
import { timelinePage } from '../pages/timeline.js';

const timelineQuery = z.object({ format: z.enum(['json', 'markdown']).optional() });

export function timelineRoutes(app: FastifyInstance, context: ConsoleContext): void {
  app
    .withTypeProvider<ZodTypeProvider>()
    .get(
      '/journeys/:e164/timeline',
      { onRequest: requireSession(context), schema: { params: e164Params, querystring: timelineQuery } },
      async (request, reply) => {
        const session = sessionFrom(request);
        ensureMay(session.principal, 'audit');
        const timeline = await visibleTimeline(context.client, session.principal, request.params.e164);
        const { format } = request.query;
        if (format) return sendTimeline(reply, timeline, format, true);
        return sendPage(reply, timelinePage(pageContext(context, session), timeline));
      },
    );
}
