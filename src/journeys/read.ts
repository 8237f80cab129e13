// Reading journeys: where a number's latest journey stands (its query), and every run the number has had.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { journeyQuery, journeyWorkflowId, type JourneyView } from '../domain/journey.js';
import { PortfolioId } from '../domain/search-attributes.js';
import { JourneyNotFoundError } from './errors.js';
import { listPage, type JourneyListing } from './listing.js';

/** Where the number's latest journey stands (also after it has ended); `runId` reads one run instead. */
export async function describeJourney(client: Client, e164: string, runId?: string): Promise<JourneyView> {
  try {
    return await client.workflow.getHandle(journeyWorkflowId(e164), runId).query(journeyQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new JourneyNotFoundError(`no journey for ${e164}`);
    throw err;
  }
}

/**
 * The portfolio of the number's latest journey, from its search attribute (no worker needed), or from its query
 * for a journey started without attributes.
 */
export async function journeyPortfolio(client: Client, e164: string): Promise<string> {
  try {
    const described = await client.workflow.getHandle(journeyWorkflowId(e164)).describe();
    return described.typedSearchAttributes.get(PortfolioId) ?? (await describeJourney(client, e164)).portfolioId;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new JourneyNotFoundError(`no journey for ${e164}`);
    throw err;
  }
}

/** Most runs a number is expected to have; the rest are left out (newest first). */
const RUNS_LISTED = 1_000;

/** Every run of the number's journeys, newest first: onboardings, removals, and LIVE's continue-as-new runs. */
export async function journeyRuns(client: Client, e164: string): Promise<JourneyListing[]> {
  if (!/^\+\d{1,15}$/.test(e164)) throw new Error(`"${e164}" is not an E.164 number`); // it enters the query
  const runs: JourneyListing[] = [];
  let token: Uint8Array | null = null;
  do {
    const page = await listPage(client, `WorkflowId = '${journeyWorkflowId(e164)}'`, 100, token);
    runs.push(...page.items);
    token = page.nextPageToken;
  } while (token && runs.length < RUNS_LISTED);
  return runs.sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
}
