// `/`: the journeys waiting on a person, read from visibility (search attributes: no query per journey), within
// the principal's portfolios.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GRAPH_ID } from '../../../domain/journey-input.js';
import { awaitingInputStages, listJourneys, type JourneyListing } from '../../../journeys/index.js';
import { pageContext, requireSession, sendPage, sessionFrom, type ConsoleContext } from '../context.js';
import { queuePage, type PortfolioGroup } from '../pages/queue.js';
import { formProblems } from './journey.js';

/** At most this many journeys are listed (visibility answers newest first, so all pages up to it are read). */
export const QUEUE_LIMIT = 1_000;
const PAGE_SIZE = 100;

const blankIsUnset = (value: unknown) => (value === '' ? undefined : value);
const queueQuery = z.object({
  stage: z.preprocess(blankIsUnset, z.enum(awaitingInputStages).optional()),
  portfolio: z.preprocess(blankIsUnset, z.string().regex(GRAPH_ID, 'must be a numeric Graph id').optional()),
});

export function queueRoutes(app: FastifyInstance, context: ConsoleContext): void {
  app.withTypeProvider<ZodTypeProvider>().get('/', { onRequest: requireSession(context) }, async (request, reply) => {
    const session = sessionFrom(request);
    const parsed = queueQuery.safeParse(request.query);
    if (!parsed.success) {
      // The page again with the filter as typed and what is wrong with it, to be corrected in place.
      const raw = (request.query ?? {}) as Record<string, unknown>;
      const portfolio = typeof raw.portfolio === 'string' ? raw.portfolio : '';
      const portfolioInvalid = parsed.error.issues.some((issue) => issue.path[0] === 'portfolio');
      const refused = { problem: formProblems(parsed.error.issues), portfolio, portfolioInvalid };
      const stage = awaitingInputStages.find((known) => known === raw.stage); // a valid one stays chosen
      const page = queuePage(pageContext(context, session), [], stage ? { stage } : {}, null, refused);
      return sendPage(reply, page, 400);
    }
    const filter = parsed.data;
    const journeys: JourneyListing[] = [];
    let token: Uint8Array | null = null;
    do {
      const page = await listJourneys(
        context.client,
        {
          awaitingInput: true,
          stage: filter.stage,
          portfolioId: filter.portfolio,
          withinPortfolios: session.principal.portfolios ?? undefined,
        },
        { size: PAGE_SIZE, token },
      );
      journeys.push(...page.items);
      token = page.nextPageToken;
    } while (token && journeys.length < QUEUE_LIMIT);
    const groups = groupOldestFirst(journeys.filter((j) => j.e164 !== null && j.portfolioId !== null));
    return sendPage(reply, queuePage(pageContext(context, session), groups, filter, token ? QUEUE_LIMIT : null));
  });
}

/** Per portfolio, oldest journey first; the portfolio whose journey waits longest first. */
function groupOldestFirst(journeys: JourneyListing[]): PortfolioGroup[] {
  const sorted = [...journeys].sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? ''));
  const groups = new Map<string, JourneyListing[]>();
  for (const journey of sorted) {
    const id = journey.portfolioId as string;
    groups.set(id, [...(groups.get(id) ?? []), journey]);
  }
  return [...groups].map(([portfolioId, list]) => ({ portfolioId, journeys: list }));
}
