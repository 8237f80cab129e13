// `/`: the journeys waiting on a person, read from visibility (search attributes: no query per journey), within
// the principal's portfolios.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GRAPH_ID } from '../../../domain/journey-input.js';
import type { Client } from '@temporalio/client';
import { awaitingInputStages, listJourneys, type JourneyFilter, type JourneyListing } from '../../../journeys/index.js';
import { pageContext, requireSession, sendPage, sessionFrom, type ConsoleContext } from '../context.js';
import { queuePage, type PortfolioGroup } from '../pages/queue.js';
import { formProblems } from './journey.js';

/**
 * At most this many journeys are listed, the longest waiting: visibility answers newest first (SQL visibility sorts
 * no other way), so every page is read, up to READ_LIMIT, keeping the oldest.
 */
export const QUEUE_LIMIT = 1_000;
const READ_LIMIT = 100_000;
const PAGE_SIZE = 1_000;

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
    const { journeys, waiting, more } = await longestWaiting(context.client, {
      awaitingInput: true,
      stage: filter.stage,
      portfolioId: filter.portfolio,
      withinPortfolios: session.principal.portfolios ?? undefined,
    });
    const shown = { waiting, more };
    return sendPage(reply, queuePage(pageContext(context, session), groupByPortfolio(journeys), filter, shown));
  });
}

/**
 * The `limit` journeys of `filter` waiting longest, oldest first, and how many wait (of those read: `more` when
 * `readLimit` stopped the reading).
 */
export async function longestWaiting(
  client: Client,
  filter: JourneyFilter,
  { limit = QUEUE_LIMIT, pageSize = PAGE_SIZE, readLimit = READ_LIMIT } = {},
): Promise<{ journeys: JourneyListing[]; waiting: number; more: boolean }> {
  let journeys: JourneyListing[] = [];
  let waiting = 0;
  let token: Uint8Array | null = null;
  do {
    const page = await listJourneys(client, filter, { size: pageSize, token });
    const listed = page.items.filter((j) => j.e164 !== null && j.portfolioId !== null);
    waiting += listed.length;
    journeys = oldestFirst([...journeys, ...listed]).slice(0, limit);
    token = page.nextPageToken;
  } while (token && waiting < readLimit);
  return { journeys, waiting, more: token !== null };
}

function oldestFirst(journeys: JourneyListing[]): JourneyListing[] {
  return [...journeys].sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? ''));
}

/** Per portfolio, oldest journey first (as given); the portfolio whose journey waits longest first. */
function groupByPortfolio(sorted: JourneyListing[]): PortfolioGroup[] {
  const groups = new Map<string, JourneyListing[]>();
  for (const journey of sorted) {
    const id = journey.portfolioId as string;
    groups.set(id, [...(groups.get(id) ?? []), journey]);
  }
  return [...groups].map(([portfolioId, list]) => ({ portfolioId, journeys: list }));
}
