// Listing journeys by stage, portfolio, WABA, or those waiting for an operator, a page at a time from visibility.
import type { Client } from '@temporalio/client';
import { GRAPH_ID } from '../domain/journey-input.js';
import { personWaits } from '../domain/search-attributes.js';
import {
  isJourneyOutcome,
  journeyOutcomes,
  journeyStages,
  personInputStages,
  type StageOrOutcome,
} from '../domain/stages.js';
import { closedOutsideStatusesOf } from './closed-runs.js';
import { listPage, type ListingPage } from './listing.js';

/** Stages in which a journey waits for an operator's input (domain/stages.ts). */
export const awaitingInputStages = personInputStages;

export interface JourneyFilter {
  /** A stage lists running journeys; an outcome lists ended ones (the attribute keeps the last value). */
  stage?: StageOrOutcome;
  portfolioId?: string;
  wabaId?: string;
  awaitingInput?: boolean;
  /** Only journeys waiting for a person in no stage of their own: a token, a deletion, a blocked removal (WaitingOn). */
  personWait?: boolean;
  /** Only these portfolios' journeys (a caller limited to some); undefined: every portfolio. */
  withinPortfolios?: readonly string[];
  /** Only runs started at or before this time (ms since the epoch). */
  startedBy?: number;
}

export class InvalidFilterError extends Error {
  override readonly name = 'InvalidFilterError';
  /** The query parameter the refusal is about (the API names it among the problems). */
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/**
 * The visibility query for a filter. Every value is checked against its closed set or Graph's numeric ids before
 * it enters the query, so no input can change the query's meaning.
 */
export function journeyListQuery(filter: JourneyFilter): string {
  const ended = isJourneyOutcome(filter.stage);
  const clauses = [`WorkflowType = 'numberJourney'`, ...(ended ? [] : [`ExecutionStatus = 'Running'`])];
  if (filter.stage !== undefined) {
    if (!ended && !(journeyStages as readonly string[]).includes(filter.stage)) {
      throw new InvalidFilterError(`stage: "${filter.stage}" is not a stage or an outcome`, 'stage');
    }
    clauses.push(stageClause(filter.stage));
  }
  if (filter.portfolioId !== undefined) clauses.push(`PortfolioId = '${graphId('portfolioId', filter.portfolioId)}'`);
  if (filter.wabaId !== undefined) clauses.push(`WabaId = '${graphId('wabaId', filter.wabaId)}'`);
  if (filter.awaitingInput) {
    // Together they could list nothing: said, rather than an empty list read as "nobody waits".
    if (filter.stage !== undefined && !(awaitingInputStages as readonly string[]).includes(filter.stage)) {
      throw new InvalidFilterError(
        `awaiting input lists journeys in ${awaitingInputStages.join(', ')}; stage ${filter.stage} is none of them, so nothing would be listed`,
        'stage',
      );
    }
    clauses.push(`NumberStage IN (${quoted(awaitingInputStages)})`);
  }
  if (filter.personWait) clauses.push(`WaitingOn IN (${quoted(personWaits)})`);
  if (filter.withinPortfolios !== undefined) {
    const ids = filter.withinPortfolios.map((id) => graphId('portfolios', id));
    // A caller limited to no portfolio sees nothing: an empty IN is no valid query, so the clause is one that fails.
    clauses.push(ids.length > 0 ? `PortfolioId IN (${quoted(ids)})` : `PortfolioId = ''`);
  }
  if (filter.startedBy !== undefined) clauses.push(`StartTime <= '${new Date(filter.startedBy).toISOString()}'`);
  return clauses.join(' AND ');
}

/**
 * A stage's clause. A run Temporal closed outside the journey (terminated, timed out, failed; cancelled) keeps the
 * stage it was in, and reads as FAILED or CANCELLED (closed-runs.ts): it is listed under that outcome.
 */
function stageClause(stage: StageOrOutcome): string {
  const closedAs = closedOutsideStatusesOf(stage);
  const byStage = `NumberStage = '${stage}'`;
  if (closedAs.length === 0) return byStage;
  // Only a run that had not ended its own way: one terminated after its ending (a cancel's) keeps that ending.
  // A run without the attribute (started by hand) counts too: SQL's NULL is in no NOT IN.
  const notEnded = `(NumberStage IS NULL OR NumberStage NOT IN (${quoted(journeyOutcomes)}))`;
  const closedOutside = `ExecutionStatus IN (${quoted(closedAs)}) AND ${notEnded}`;
  return `(${byStage} OR (${closedOutside}))`;
}

/** One page of the journeys matching `filter`, newest first. */
export async function listJourneys(
  client: Client,
  filter: JourneyFilter,
  page: { size: number; token?: Uint8Array | null } = { size: 100 },
): Promise<ListingPage> {
  return withoutResetRuns(filter, await listPage(client, journeyListQuery(filter), page.size, page.token ?? null));
}

/**
 * A page listed by `filter` as it is shown: under an outcome, a run a reset ended is left out — visibility matched it
 * as terminated, but it is no ending (listing.ts: no outcome), the journey goes on in the reset's run. A journey still
 * tidying up after its ending (running, its stage the outcome already) stays listed.
 */
export function withoutResetRuns(filter: JourneyFilter, page: ListingPage): ListingPage {
  if (!isJourneyOutcome(filter.stage)) return page;
  return { ...page, items: page.items.filter((item) => !(item.status === 'TERMINATED' && item.outcome === null)) };
}

function graphId(name: string, value: string): string {
  if (!GRAPH_ID.test(value)) throw new InvalidFilterError(`${name}: "${value}" is not a numeric Graph id`, name);
  return value;
}

const quoted = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');
