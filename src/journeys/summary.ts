// The summary of running journeys: how many stand at each stage in each portfolio, and those waiting for a person
// (a code, a PIN, a new name, a Meta token, a deletion, a blocked removal), an admin's first, then oldest first. Built from visibility alone, a page at a time:
// no query per journey.
import type { Client } from '@temporalio/client';
import { personWaits, type PersonWait } from '../domain/search-attributes.js';
import { type awaitingInputStages, journeyListQuery, type JourneyFilter } from './list.js';
import { listPage } from './listing.js';

export interface PortfolioCounts {
  portfolioId: string;
  total: number;
  /** Running journeys per stage; stages with none are left out. */
  stages: Record<string, number>;
}

export type PersonInput = 'code' | 'pin' | 'name' | PersonWait;

export interface WaitingJourney {
  e164: string;
  workflowId: string;
  portfolioId: string | null;
  stage: string;
  waitingOn: PersonInput;
  /**
   * When the wait began (a token, a deletion); for an AWAITING_ stage the run's start, as visibility keeps no time
   * of a stage's start.
   */
  since: string | null;
}

/** What the person a stage waits for is to give. */
const inputOfStage: Record<(typeof awaitingInputStages)[number], PersonInput> = {
  AWAITING_OTP: 'code',
  AWAITING_PIN: 'pin',
  AWAITING_NEW_NAME: 'name',
};

export interface JourneySummary {
  portfolios: PortfolioCounts[];
  /** In waitingOrder, at most `waitingShown` of them. */
  waiting: WaitingJourney[];
  waitingTotal: number;
  /** How many wait for each input, all of them counted (kinds none waits for left out). */
  waitingByInput: Partial<Record<PersonInput, number>>;
}

/**
 * Waits for an admin first — a Meta token, a deletion, a blocked removal: one may hold back a whole WABA, and hundreds
 * of codes waiting must not push it out of the list — then oldest first.
 */
export function waitingOrder(a: WaitingJourney, b: WaitingJourney): number {
  const rank = (w: WaitingJourney) => ((personWaits as readonly string[]).includes(w.waitingOn) ? 0 : 1);
  return rank(a) - rank(b) || (a.since ?? '').localeCompare(b.since ?? '');
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
      const { e164, workflowId, startedAt, waitingOn, waitingSince } = journey;
      const shown = { e164: e164 ?? '', workflowId, portfolioId: journey.portfolioId, stage };
      if ((personWaits as readonly string[]).includes(waitingOn ?? '')) {
        waiting.push({ ...shown, waitingOn: waitingOn as PersonWait, since: waitingSince });
      } else if (stage in inputOfStage) {
        waiting.push({ ...shown, waitingOn: inputOfStage[stage as keyof typeof inputOfStage], since: startedAt });
      }
    }
    token = page.nextPageToken;
  } while (token);
  waiting.sort(waitingOrder);
  const waitingByInput: Partial<Record<PersonInput, number>> = {};
  for (const { waitingOn } of waiting) waitingByInput[waitingOn] = (waitingByInput[waitingOn] ?? 0) + 1;
  return {
    portfolios: [...portfolios.values()].sort((a, b) => a.portfolioId.localeCompare(b.portfolioId)),
    waiting: waiting.slice(0, waitingShown),
    waitingTotal: waiting.length,
    waitingByInput,
  };
}
