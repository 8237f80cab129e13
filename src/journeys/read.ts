// Reading journeys: where a number's latest journey stands (its query), and every run the number has had.
import { Client, QueryRejectedError, WorkflowNotFoundError } from '@temporalio/client';
import proto from '@temporalio/proto'; // CommonJS: its namespaces come through the default export
import { countedNow, journeyQuery, journeyWorkflowId, type JourneyView } from '../domain/journey.js';
import { PortfolioId } from '../domain/search-attributes.js';
import { callUnderWay } from './call-under-way.js';
import { closedOutsideJourney, type ExecutionStatus } from './closed-runs.js';
import { JourneyNotFoundError } from './errors.js';
import { endedByReset } from './reset-runs.js';
import { boundedWait, TIMED_OUT } from '../temporal/bounded-wait.js';
import { temporalNotAnswering } from '../temporal/unanswered.js';
import { aWorkerPolls } from './act.js';
import { listPage, type JourneyListing } from './listing.js';

/**
 * Where the number's latest journey stands (also after it has ended); `runId` reads one run instead. A run closed
 * in Temporal before the journey could end it (terminated, failed, timed out) reads as ended, with how: its query
 * alone would show it still waiting where it stood.
 */
export async function describeJourney(client: Client, e164: string, runId?: string): Promise<JourneyView> {
  const workflowId = journeyWorkflowId(e164);
  const read = (via: Client) => via.workflow.getHandle(workflowId, runId).query(journeyQuery);
  try {
    const view = countedNow(await read(refusingUncleanRuns(client)));
    // Asked after the query, whose answer says the run goes on (an ended one retries nothing).
    return { ...view, callUnderWay: view.result ? null : await callUnderWay(client, workflowId, runId) };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new JourneyNotFoundError(`no journey for ${e164}`);
    if (!(err instanceof QueryRejectedError)) throw err;
    const view = countedNow(await read(client));
    if (view.result) return view;
    // A run a reset ended is no ending: it reads where it stood, as a run continued as new does.
    // (The latest run never is one: the reset's own run is.)
    const reset = err.status === TERMINATED && runId !== undefined && (await endedByReset(client, workflowId, runId));
    return reset ? { ...view, callUnderWay: null } : closedOutside(view, err.status, e164);
  }
}

/** How long the read of a journey just started may take before its answer goes without it. */
const STARTED_READ_MS = 10_000;

/**
 * The journey just started, as its first answer shows it; null when no worker polls its task queue, or Temporal or
 * the worker does not answer the read in time: the start took all the same, and an error would send a caller to
 * start it again.
 */
export async function describeStarted(
  client: Client,
  e164: string,
  runId: string,
  taskQueue: string,
): Promise<JourneyView | null> {
  try {
    if (!(await aWorkerPolls(client, taskQueue))) return null;
    const view = await boundedWait(client, STARTED_READ_MS, () => describeJourney(client, e164, runId));
    return view === TIMED_OUT ? null : view;
  } catch (err) {
    if (temporalNotAnswering(err) === null) throw err;
    return null;
  }
}

const TERMINATED = proto.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED;

const strictClients = new WeakMap<Client, Client>();

/**
 * The same client, whose queries a run that did not complete cleanly refuses, naming its status: one call tells a
 * running journey's view from a closed run's.
 */
function refusingUncleanRuns(client: Client): Client {
  let strict = strictClients.get(client);
  if (!strict) {
    const { connection, namespace, dataConverter, interceptors, identity } = client.options;
    strict = new Client({
      connection,
      namespace,
      dataConverter,
      interceptors,
      identity,
      workflow: { queryRejectCondition: 'NOT_COMPLETED_CLEANLY' },
    });
    strictClients.set(client, strict);
  }
  return strict;
}

/** A run Temporal closed without the journey's ending: ended, saying how and where the journey stood. */
function closedOutside(view: JourneyView, status: ExecutionStatus, e164: string): JourneyView {
  const closed = closedOutsideJourney(status);
  if (!closed) return { ...view, callUnderWay: null }; // continued as new: its next run goes on
  const { name, how, outcome } = closed;
  return {
    ...view,
    callUnderWay: null,
    stage: outcome,
    waiting: null,
    removalBlocked: null,
    // Its waits ended with it: a code's wait or the signup window no longer runs (Meta's own deletion date stays).
    deadlines: {
      ...view.deadlines,
      signupExpiresAt: null,
      codeExpiresAt: null,
      ...(view.deadlines.codeLastsUntil === undefined ? {} : { codeLastsUntil: null }),
      reRegisterBy: null,
    },
    result: {
      outcome,
      reasonCode: `RUN_${name}`,
      reason: `the journey's run ${how} in Temporal, outside the journey, in stage ${view.stage}`,
      remediation: `\`numberflow audit ${e164}\` shows how and by whom; ${againAfterClosed(view)}`,
      actor: null,
      metaError: null,
    },
  };
}

/**
 * How to go on once a run was closed outside the journey. A number Meta has is adopted where Meta stands: a plain
 * start adds it again and sends it a code, and one registered is refused its register (133005) after that code.
 */
function againAfterClosed(view: JourneyView): string {
  const id = view.phoneNumberId;
  // Closed mid-register, the number may be registered after all: the reconciliation asks Meta.
  const freed = `a slot it held in the portfolio is freed at the portfolio's next reconciliation, or kept if Meta counts the number as registered (hourly, or at once when an admin asks for one: \`portfolio reconcile ${view.portfolioId} --reason …\`, POST /v1/portfolios/${view.portfolioId}/reconcile)`;
  if (!id) return `start a new journey to onboard the number again; ${freed}`;
  if (view.stage === 'REMOVING') {
    return `the number was being removed: delete it in WhatsApp Manager if Meta still shows it (phone_number_id ${id}); ${freed}`;
  }
  const registered = view.status === 'CONNECTED' || view.stage === 'LIVE';
  const atMeta = `Meta has the number (phone_number_id ${id}${view.status ? `, ${view.status} when last read` : ''})`;
  const adopt = `start a new journey with \`--phone-number-id ${id}\` to adopt it where Meta stands`;
  return registered
    ? `${atMeta}: ${adopt}, with no new code; its portfolio slot stays taken, as Meta counts the number`
    : `${atMeta}: ${adopt}; ${freed}`;
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
