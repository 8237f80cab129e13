// Which runs an audit reads, from Temporal's visibility: every run of one number (`number:<E.164>`, any status —
// continue-as-new chains and later re-onboardings alike), or every journey run a portfolio started in a window, page
// by page. Histories are fetched one run at a time, so nothing holds more than the run being read.
import type { Client } from '@temporalio/client';
import { customerIdentityWorkflowId } from '../domain/identity.js';
import { GRAPH_ID } from '../domain/journey-input.js';
import { journeyWorkflowId } from '../domain/journey.js';
import { parsePhoneNumber } from '../domain/phone.js';
import { PhoneNumberId, PortfolioId, WabaId } from '../domain/search-attributes.js';
import type { HistoryEvent } from './decode.js';
import { listedRuns, type ListedRun } from '../temporal/listed-runs.js';

export interface JourneyRun {
  workflowId: string;
  runId: string;
  startTime: Date;
  closeTime: Date | null;
  status: string;
  /** The portfolio the run belongs to (its search attribute); null for a run started without attributes. */
  portfolioId: string | null;
  /** The number's phone_number_id in that run and its WABA (search attributes), once known. */
  phoneNumberId: string | null;
  wabaId: string | null;
}

const runOf = (run: ListedRun): JourneyRun => ({
  workflowId: run.workflowId,
  runId: run.runId,
  startTime: run.startTime,
  closeTime: run.closeTime,
  status: run.status,
  portfolioId: run.attribute(PortfolioId) ?? null,
  phoneNumberId: run.attribute(PhoneNumberId) || null,
  wabaId: run.attribute(WabaId) || null,
});

/** The audited number in E.164: parsed first, so only digits and '+' reach a visibility query. */
export function auditedNumber(e164: string): string {
  return parsePhoneNumber(e164, { metaTestNumber: true }).e164;
}

/** The number a journey run belongs to, from its workflow id `number:<E.164>`. */
export const numberOfRun = (run: Pick<JourneyRun, 'workflowId'>): string =>
  run.workflowId.slice(journeyWorkflowId('').length);

/** Every run `query` finds, oldest first. */
async function runsOf(client: Client, query: string): Promise<JourneyRun[]> {
  const runs: JourneyRun[] = [];
  for await (const run of listedRuns(client, query)) runs.push(runOf(run));
  return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}

/** Every run of the number's journey, oldest first. */
export const journeyRuns = (client: Client, workflowId: string): Promise<JourneyRun[]> =>
  runsOf(client, `WorkflowId = '${workflowId}'`);

/**
 * Every customer's identity recovery on a phone_number_id (`customerIdentity` runs, ids
 * `identity:<phone_number_id>:<wa_id>`), oldest first; the id is checked numeric before it reaches the query.
 */
export async function identityRunsOf(client: Client, phoneNumberId: string): Promise<JourneyRun[]> {
  if (!GRAPH_ID.test(phoneNumberId)) throw new Error(`a phone_number_id is a numeric Graph id, got "${phoneNumberId}"`);
  return runsOf(
    client,
    `WorkflowType = 'customerIdentity' AND WorkflowId STARTS_WITH '${customerIdentityWorkflowId(phoneNumberId, '')}'`,
  );
}

export async function runHistory(
  client: Client,
  run: Pick<JourneyRun, 'workflowId' | 'runId'>,
): Promise<HistoryEvent[]> {
  const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
  return history.events ?? [];
}

export interface PortfolioWindow {
  portfolioId: string;
  since: Date;
  until: Date;
}

/**
 * The visibility query of the journey runs a portfolio started within [since, until): a run started at `until` is
 * the next window's, so that exports of days side by side hold each run once.
 */
export function portfolioRunsQuery({ portfolioId, since, until }: PortfolioWindow): string {
  if (!GRAPH_ID.test(portfolioId)) throw new Error(`the portfolio id must be a numeric Graph id, got "${portfolioId}"`);
  if (Number.isNaN(since.getTime()) || Number.isNaN(until.getTime())) throw new Error('since and until must be dates');
  if (since > until) throw new Error(`since (${since.toISOString()}) is after until (${until.toISOString()})`);
  return (
    `WorkflowType = 'numberJourney' AND PortfolioId = '${portfolioId}' AND ` +
    `StartTime >= '${since.toISOString()}' AND StartTime < '${until.toISOString()}'`
  );
}

/**
 * The portfolio's runs in the window, as visibility pages them (newest first), each once: a run that closes while
 * the pages are read moves behind the running ones and would be listed again. Only run ids are kept.
 */
export async function* portfolioRuns(
  client: Client,
  window: PortfolioWindow,
  pageSize = 100,
): AsyncGenerator<JourneyRun> {
  const listed = new Set<string>();
  for await (const run of listedRuns(client, portfolioRunsQuery(window), pageSize)) {
    if (listed.has(run.runId)) continue;
    listed.add(run.runId);
    yield runOf(run);
  }
}

export async function countPortfolioRuns(client: Client, window: PortfolioWindow): Promise<number> {
  return (await client.workflow.count(portfolioRunsQuery(window))).count;
}
