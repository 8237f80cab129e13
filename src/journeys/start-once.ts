// Starting a journey under an Idempotency-Key: a retried request finds the journey its first attempt started, a
// key reused for another request is refused. The key and the request's hash live in the journey's memo and the key
// in the IdempotencyKey search attribute; the workflow id makes one start win when processes race.
import type { Client } from '@temporalio/client';
import { journeyWorkflowId, type JourneyInput } from '../domain/journey.js';
import { NumberStage, PortfolioId } from '../domain/search-attributes.js';
import { IdempotencyConflictError, JourneyConflictError } from './errors.js';
import {
  startJourney,
  wayOutOf,
  type Idempotency,
  type JourneyMemo,
  type StartOptions,
  type StartedJourney,
} from './start.js';
import { IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_RULE } from '../domain/idempotency-key.js';

export interface StartOutcome extends StartedJourney {
  /** False when the key found the journey an earlier request started. */
  created: boolean;
}

export type StartOnce = (input: JourneyInput, idempotency: Idempotency) => Promise<StartOutcome>;

/**
 * A starter that single-flights concurrent requests with one key in this process (the others wait for the first
 * and get its journey); across processes the workflow id lets one start win. The window left: two processes
 * given one key for two different numbers at the same moment both start, as visibility shows neither yet.
 */
export function createStartOnce(client: Client, taskQueue: string, options: StartOptions = {}): StartOnce {
  const inFlight = new Map<string, { requestHash: string; outcome: Promise<StartOutcome> }>();
  return async (input, idempotency) => {
    if (!IDEMPOTENCY_KEY.test(idempotency.key)) throw new Error(`an Idempotency-Key ${IDEMPOTENCY_KEY_RULE}`);
    const flight = `${idempotency.scope ?? ''}\u0000${idempotency.key}`;
    const current = inFlight.get(flight);
    if (current) {
      if (!sameRequest(current.requestHash, idempotency)) throw reused(idempotency.key, 'a request still running');
      return { ...(await current.outcome), created: false };
    }
    const outcome = startOnce(client, taskQueue, input, idempotency, options);
    inFlight.set(flight, { requestHash: idempotency.requestHash, outcome });
    try {
      return await outcome;
    } finally {
      inFlight.delete(flight);
    }
  };
}

/** Whether a kept hash is this request's, as hashed now or as an earlier version hashed it. */
function sameRequest(kept: string | undefined, { requestHash, requestHashesBefore = [] }: Idempotency): boolean {
  return kept !== undefined && (kept === requestHash || requestHashesBefore.includes(kept));
}

async function startOnce(
  client: Client,
  taskQueue: string,
  input: JourneyInput,
  idempotency: Idempotency,
  options: StartOptions,
): Promise<StartOutcome> {
  // A server without search attributes (the time-skipping test server) has no key to look up: the memo decides.
  const earlier = options.withoutSearchAttributes ? null : await startedUnder(client, idempotency);
  if (earlier) {
    if (!sameRequest(earlier.memo.requestHash, idempotency)) throw reused(idempotency.key, earlier.workflowId);
    return { workflowId: earlier.workflowId, runId: earlier.runId, created: false };
  }
  try {
    return { ...(await startJourney(client, taskQueue, input, { ...options, idempotency })), created: true };
  } catch (err) {
    if (!(err instanceof JourneyConflictError)) throw err;
    // The number's journey runs: the same request's (another process won the race, or visibility lagged) or not.
    const workflowId = journeyWorkflowId(input.phoneNumber.e164);
    const running = await client.workflow.getHandle(workflowId).describe();
    const memo = (running.memo ?? {}) as JourneyMemo;
    if (memo.idempotencyKey === idempotency.key && sameScope(memo, idempotency)) {
      // The caller's key, in a race visibility did not yet show: its own request, or the key reused for another.
      if (!sameRequest(memo.requestHash, idempotency)) throw reused(idempotency.key, workflowId);
      return { workflowId, runId: running.runId, created: false };
    }
    if (idempotency.sees && !idempotency.sees(running.typedSearchAttributes.get(PortfolioId) ?? null)) {
      // That it runs cannot be hidden (the number is taken); which run, and where, can.
      throw new JourneyConflictError(
        `${input.phoneNumber.e164} already has a journey in progress in a portfolio you may not see; it can be started here once that journey has ended`,
        workflowId,
        '',
      );
    }
    const wayOut = wayOutOf(running.typedSearchAttributes.get(NumberStage));
    throw new JourneyConflictError(
      `${input.phoneNumber.e164} already has a journey in progress (${workflowId}, run ${running.runId}) started by another request; follow that journey, ${wayOut}`,
      workflowId,
      running.runId,
    );
  }
}

/** How many runs under one key are looked through for the caller's (other principals may use the same key). */
const RUNS_UNDER_A_KEY = 100;

/** The newest run started under the caller's key, whatever its status. */
async function startedUnder(client: Client, { key, scope }: Idempotency) {
  // The key matched IDEMPOTENCY_KEY: no quote can end the string early.
  let looked = 0;
  for await (const execution of client.workflow.list({ query: `IdempotencyKey = '${key}'`, pageSize: 20 })) {
    const memo = (execution.memo ?? {}) as JourneyMemo;
    // A run from before keys were scoped is anyone's, as it was then; direct mode (no scope: Temporal's own access)
    // finds any principal's.
    if (sameScope(memo, { scope })) return { workflowId: execution.workflowId, runId: execution.runId, memo };
    if (++looked >= RUNS_UNDER_A_KEY) break;
  }
  return null;
}

/** Whether a run's key is the caller's: a run from before keys were scoped, or direct mode (no scope), is anyone's. */
function sameScope(memo: JourneyMemo, { scope }: Pick<Idempotency, 'scope'>): boolean {
  return memo.idempotencyScope === undefined || scope === undefined || memo.idempotencyScope === scope;
}

function reused(key: string, usedFor: string): IdempotencyConflictError {
  return new IdempotencyConflictError(
    `Idempotency-Key "${key}" was used for another request (${usedFor}) — another body, or the same sent by another actor (through the API or in direct mode): send a new key with a new request`,
  );
}
