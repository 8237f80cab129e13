// The command line's direct mode: journeys through Temporal with this machine's payload keys (the local default).
// Input is checked before connecting; before anything is sent, the worker's payload keys are checked against ours.
import { CliExit } from './failure.js';
import type { Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { loadConfig } from '../config.js';
import { parseJourneyRequest } from '../domain/journey-input.js';
import type { SubmissionOutcome } from '../domain/messages.js';
import { startJourneyBody } from '../http/api/schemas.js';
import {
  createStartOnce,
  journeyActionUpdates as updates,
  describeJourney,
  describeStarted,
  followJourney,
  listJourneys,
  startJourney,
  startRequestHashes,
  startRows,
  submitToJourney,
  summarizeJourneys,
  type ListingPage,
} from '../journeys/index.js';
import { readPortfolio, reconcilePortfolio, setPortfolioCap } from '../portfolios/portfolio.js';
import { checkKeysOf, connectDirectClient } from './direct-connection.js';
import { directIdentityOperations } from './direct-identity.js';
import type { JourneyAction, JourneyOperations, OutcomeAnswer } from './operations.js';
import { searchAttributesUnknown } from '../temporal/unanswered.js';

/** How often `watch` reads the journey's query. */
const WATCH_POLL_MS = 1_000;

export function directOperations(env: Record<string, string | undefined>): JourneyOperations {
  const config = loadConfig(env);
  let connecting: Promise<Client> | null = null;
  let keysChecked = false;
  const connected = () => (connecting ??= connectDirectClient(config));
  /** Sending a payload: the worker must read this client's keys (and it the worker's). */
  const sending = async () => {
    const client = await connected();
    if (!keysChecked) await checkKeysOf(client, config);
    keysChecked = true;
    return client;
  };

  return {
    where: `in namespace "${config.TEMPORAL_NAMESPACE}" (TEMPORAL_NAMESPACE)`,

    async start(request, actor, idempotencyKey) {
      const input = parseJourneyRequest({ ...request, requestedBy: actor.by });
      const client = await sending();
      const taskQueue = config.TEMPORAL_TASK_QUEUE;
      const outcome = idempotencyKey
        ? await createStartOnce(client, taskQueue)(input, {
            key: idempotencyKey,
            ...startRequestHashes(startJourneyBody.parse(request), input.phoneNumber.e164, actor.by),
          })
        : { ...(await startJourney(client, taskQueue, input)), created: true };
      const journey = await describeStarted(client, input.phoneNumber.e164, outcome.runId, taskQueue);
      return { started: { workflowId: outcome.workflowId, runId: outcome.runId, journey }, created: outcome.created };
    },

    show: async (e164) => describeJourney(await connected(), e164),

    async *list(filter) {
      const client = await connected();
      let token: Uint8Array | null = null;
      do {
        const page: ListingPage = await listJourneys(client, filter, {
          size: 100,
          token,
        }).catch((err: unknown) => {
          throw searchAttributesUnknown(err) ? namespaceWithoutAttributes(config.TEMPORAL_NAMESPACE, err) : err;
        });
        yield* page.items;
        token = page.nextPageToken;
      } while (token);
    },

    refusedRows: () => Promise.resolve([]),

    async startRows(rows, _actor, pace, onResult) {
      const client = await sending();
      return startRows(client, createStartOnce(client, config.TEMPORAL_TASK_QUEUE), rows, pace, onResult);
    },

    summary: async (filter) => summarizeJourneys(await connected(), filter),

    portfolio: async (portfolioId) => readPortfolio(await connected(), portfolioId),

    async setCap(portfolioId, change, actor) {
      if (actor.role === 'operator') throw new CliExit(1, "refused: only an admin sets a portfolio's cap");
      return setPortfolioCap(await sending(), portfolioId, { ...change, actor: actor.by });
    },

    async reconcile(portfolioId, reason, actor) {
      if (actor.role === 'operator') throw new CliExit(1, 'refused: only an admin asks for a reconciliation');
      return reconcilePortfolio(await sending(), portfolioId, { actor: actor.by, reason });
    },

    async act(e164, action, actor, waitSeconds) {
      const outcome = await submit(await sending(), e164, action, actor.by, actor.role, waitSeconds * 1000);
      return outcomeAnswer(outcome);
    },

    ...directIdentityOperations(config, sending),

    async *watch(e164, signal) {
      const client = await connected();
      yield* followJourney(() => describeJourney(client, e164), { pollMs: WATCH_POLL_MS, signal });
    },

    async close() {
      const client = await connecting?.catch(() => null); // a failed connection was reported already
      await client?.connection.close();
    },
  };
}

function submit(
  client: Client,
  e164: string,
  action: JourneyAction,
  by: string,
  role: string | undefined,
  waitMs: number,
): Promise<SubmissionOutcome> {
  const send = <Arg>(update: UpdateDefinition<SubmissionOutcome, [Arg]>, arg: Arg) =>
    submitToJourney(client, e164, update, arg, { waitMs });
  switch (action.kind) {
    case 'otp':
      return send(updates.otp, { code: action.code, actor: by, submittedAt: new Date().toISOString() });
    case 'pin':
      return send(updates.pin, { pin: action.pin, actor: by });
    case 'display-name':
      return send(updates['display-name'], { displayName: action.displayName, actor: by });
    case 'resend':
      return send(updates.resend, { actor: by, ...(action.method ? { method: action.method } : {}) });
    case 'cancel':
      return send(updates.cancel, { actor: by, reason: action.reason });
    case 'removal':
      return send(updates.removal, { actor: by, role: role ?? 'operator', reason: action.reason });
    case 'deletion-confirmation':
      return send(updates['deletion-confirmation'], { actor: by });
    case 'identity-check':
      return send(updates['identity-check'], { enabled: action.enabled, actor: by });
    case 'test-message':
      return send(updates['test-message'], { to: action.to, actor: by, ...(action.text ? { text: action.text } : {}) });
  }
}

/** The journey's answer as the API gives it (a pending answer is one taken in and still being worked on). */
function outcomeAnswer(outcome: SubmissionOutcome): OutcomeAnswer {
  return {
    outcome: outcome.pending ? 'pending' : outcome.accepted ? 'accepted' : 'refused',
    message: outcome.message,
    attemptsLeft: outcome.attemptsLeft,
  };
}

/**
 * A filter's refusal by a namespace without numberflow's search attributes: one no worker or service of numberflow
 * has started in (they register them) — most often a TEMPORAL_NAMESPACE that is not the fleet's.
 */
function namespaceWithoutAttributes(namespace: string, err: unknown): Error {
  return new Error(
    `namespace "${namespace}" (TEMPORAL_NAMESPACE) lacks numberflow's search attributes, which a worker or the service registers at its start: is TEMPORAL_NAMESPACE the fleet's? (Temporal: ${(err as Error).message})`,
  );
}
