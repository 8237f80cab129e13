// `/`: the journeys waiting on a person, read from visibility (search attributes: no query per journey), within
// the principal's portfolios.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GRAPH_ID } from '../../../domain/journey-input.js';
import type { Client } from '@temporalio/client';
import {
  awaitingInputStages,
  journeyListQuery,
  listJourneys,
  type JourneyFilter,
  type JourneyListing,
} from '../../../journeys/index.js';
import { pageContext, requireSession, sendPage, sessionFrom, type ConsoleContext } from '../context.js';
import { queuePage, type PortfolioGroup } from '../pages/queue.js';
import { formProblems } from './journey.js';

/**
 * At most this many journeys are listed, the longest waiting. Visibility answers newest first (SQL visibility sorts no
 * other way): when more wait, counts find the start time before which this many began, and only those are read.
 */
export const QUEUE_LIMIT = 1_000;
/** An admin's waits listed at most (the longest waiting); the summary counts them all. */
export const ADMIN_WAITS_SHOWN = 100;
const PAGE_SIZE = 1_000;
/** Pages read at most past the cut (runs started within its last minute may be many). */
const PAGES_READ = 10;
/** The cut's resolution: a minute, found in about 23 counts from 2020 on. */
const CUT_RESOLUTION_MS = 60_000;
const EARLIEST_START = Date.parse('2020-01-01T00:00:00Z');

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
    const within = { portfolioId: filter.portfolio, withinPortfolios: session.principal.portfolios ?? undefined };
    const [{ journeys, waiting }, adminWaits] = await Promise.all([
      longestWaiting(context.client, { ...within, awaitingInput: true, stage: filter.stage }),
      // What waits for an admin in no stage of its own (a token, a deletion, a blocked removal): not by stage.
      filter.stage
        ? null
        : longestWaiting(context.client, { ...within, personWait: true }, { limit: ADMIN_WAITS_SHOWN }).then(
            ({ journeys: listed, waiting: all }) => ({ journeys: longestWaitFirst(listed), waiting: all }),
          ),
    ]);
    const page = queuePage(
      pageContext(context, session),
      groupByPortfolio(journeys),
      filter,
      waiting,
      null,
      adminWaits,
    );
    return sendPage(reply, page);
  });
}

/** The `limit` journeys of `filter` waiting longest (started first), oldest first, and how many wait in all. */
export async function longestWaiting(
  client: Client,
  filter: JourneyFilter,
  { limit = QUEUE_LIMIT, pageSize = PAGE_SIZE } = {},
): Promise<{ journeys: JourneyListing[]; waiting: number }> {
  const counted = (startedBy?: number) => client.workflow.count(journeyListQuery({ ...filter, startedBy }));
  const { count: waiting } = await counted();
  let startedBy: number | undefined;
  let late = Date.now();
  let byLate = waiting > limit ? (await counted(late)).count : 0;
  // This host's clock behind the server's: no cut (nothing would be missed, only more read).
  if (byLate >= limit) {
    // The earliest time by which `limit` had started: the ones started by then are the longest waiting. A minute
    // is fine enough, unless more began within it than the pages read hold (a burst of starts): then finer.
    let early = EARLIEST_START;
    while (late - early > CUT_RESOLUTION_MS || (byLate > PAGES_READ * pageSize && late - early > 1)) {
      const middle = Math.floor((early + late) / 2);
      const byMiddle = (await counted(middle)).count;
      if (byMiddle >= limit) [late, byLate] = [middle, byMiddle];
      else early = middle;
    }
    startedBy = late;
  }
  let journeys: JourneyListing[] = [];
  let token: Uint8Array | null = null;
  for (let pages = 0; pages < PAGES_READ && (pages === 0 || token); pages++) {
    const page = await listJourneys(client, { ...filter, startedBy }, { size: pageSize, token });
    const listed = page.items.filter((j) => j.e164 !== null && j.portfolioId !== null);
    journeys = oldestFirst([...journeys, ...listed]).slice(0, limit);
    token = page.nextPageToken;
  }
  return { journeys, waiting };
}

/** By when each began to wait (its run's start where visibility says not). */
function longestWaitFirst(journeys: JourneyListing[]): JourneyListing[] {
  const since = (j: JourneyListing) => j.waitingSince ?? j.startedAt ?? '';
  return [...journeys].sort((a, b) => since(a).localeCompare(since(b)));
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
