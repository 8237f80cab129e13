// A number's journey as a principal limited to portfolios may see it. The portfolio is read from the run's search
// attribute before anything asks the journey: another portfolio's journey is not found, in the same time and with
// the same answer, whatever its run or worker is doing (a query to a journey no worker polls waits, then fails).
import type { Client } from '@temporalio/client';
import type { JourneyView } from '../../domain/journey.js';
import { describeJourney, journeyPortfolio } from '../../journeys/index.js';
import { ensureSees } from './hooks.js';
import type { Principal } from './principals.js';

/** Refuses (404) a journey outside a limited principal's portfolios; a principal of every portfolio sees all. */
export async function ensureSeesJourney(client: Client, principal: Principal, e164: string): Promise<void> {
  if (principal.portfolios !== null) ensureSees(principal, await journeyPortfolio(client, e164), notFound(e164));
}

/** Where the journey stands, for `principal`: 404 for one outside its portfolios. */
export async function describeJourneyFor(client: Client, principal: Principal, e164: string): Promise<JourneyView> {
  await ensureSeesJourney(client, principal, e164);
  const view = await describeJourney(client, e164);
  ensureSees(principal, view.portfolioId, notFound(e164)); // a journey started without the attribute
  return view;
}

const notFound = (e164: string): string => `no journey for ${e164}`;
