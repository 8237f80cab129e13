// The summary of running journeys: how many stand at each stage in each portfolio, and those waiting for a person
// (a code, a PIN, a new name), oldest first. Built from visibility alone, a page at a time: no query per journey.
import type { Client } from '@temporalio/client';
import { awaitingInputStages, journeyListQuery, type JourneyFilter } from './list.js';
import { listPage } from './listing.js';

export interface PortfolioCounts {
  portfolioId: string;
  total: number;
  /** Running journeys per stage; stages with none are left out. */
  stages: Record<string, number>;
}

export interface WaitingJourney {
  e164: string;
  workflowId: string;
  portfolioId: string | null;
  stage: string;
  /** When the run started: visibility keeps no time of the stage's start, so the oldest run is the oldest wait. */
  since: string | null;
}

export interface JourneySummary {
  portfolios: PortfolioCounts[];
  /** Oldest first, at most `waitingShown` of them. */
  waiting: WaitingJourney[];
  waitingTotal: number;
}

const PAGE_SIZE = 1_000;

/** Running journeys matching `filter` (its stage and awaitingInput are not used: the summary covers them all). */
export async function summarizeJourneys(
  client: Client,
  filter: Pick<JourneyFilter, 'portfolioId' | 'wabaId' | 'withinPortfolios'>,
  waitingShown = 100,
): Promise<JourneySummary> {
  const query = journeyListQuery({ ...filter, stage: undefined, awaitingInput: false });
  const portfolios = new Map<string, PortfolioCounts>();
  const waiting: WaitingJourney[] = [];
  let token: Uint8Array | null = null;
  do {
    const page = await listPage(client, query, PAGE_SIZE, token);
    for (const journey of page.items) {
      const portfolioId = journey.portfolioId ?? '';
      const stage = journey.stage ?? 'UNKNOWN';
      const counts = portfolios.get(portfolioId) ?? { portfolioId, total: 0, stages: {} };
      counts.total += 1;
      counts.stages[stage] = (counts.stages[stage] ?? 0) + 1;
      portfolios.set(portfolioId, counts);
      if ((awaitingInputStages as readonly string[]).includes(stage)) {
        const { e164, workflowId, startedAt } = journey;
        waiting.push({ e164: e164 ?? '', workflowId, portfolioId: journey.portfolioId, stage, since: startedAt });
      }
    }
    token = page.nextPageToken;
  } while (token);
  waiting.sort((a, b) => (a.since ?? '').localeCompare(b.since ?? ''));
  return {
    portfolios: [...portfolios.values()].sort((a, b) => a.portfolioId.localeCompare(b.portfolioId)),
    waiting: waiting.slice(0, waitingShown),
    waitingTotal: waiting.length,
  };
}
