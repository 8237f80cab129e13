// Acting on a journey: an operator's or admin's input, sent as the journey's update and answered with its outcome.
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateStage, type Client, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { journeyQuery, journeyWorkflowId } from '../domain/journey.js';
import type { SubmissionOutcome } from '../domain/messages.js';
import { NumberStage } from '../domain/search-attributes.js';
import { isJourneyOutcome } from '../domain/stages.js';
import { TIMED_OUT, boundedWait } from '../temporal/bounded-wait.js';
import { describeIfAny } from '../temporal/describe.js';
import { workflowPollersSince } from '../temporal/pollers.js';
import { NotAnsweringError, temporalNotAnswering } from '../temporal/unanswered.js';
import { JourneyEndedError, JourneyNotFoundError } from './errors.js';

export interface SubmitOptions {
  /** How long to wait for the journey's answer (its acceptance included). */
  waitMs?: number;
  /**
   * What to answer when the journey has not answered within `waitMs`, told what the journey waits on meanwhile when
   * it is not the operator (null when it cannot tell).
   */
  stillWorking?: (waits: string | null) => string;
  /**
   * The update's id: sent again on the same run, it is answered with the first answer and not run again (a console
   * form posted again by a reload; a LIVE journey that continued as new meanwhile takes it as new). A new one by
   * default.
   */
  updateId?: string;
  /**
   * The journeys' task queue: when given, an input is refused at once (NotAnsweringError, no_worker) while no
   * worker has polled it lately, and never sent — Temporal would hold it until a worker came back, perhaps long after
   * (a code expired by then spends an attempt).
   */
  taskQueue?: string;
}

/** A worker that polled this long ago counts as polling: an idle one's poll waits up to a minute for a task. */
const WORKER_SEEN_WITHIN_MS = 2 * 60_000;
/** A queue seen polled is not asked about again for this long (a code's submission costs no extra call then). */
const WORKER_SEEN_KEPT_MS = 5_000;
/** How long an input not answered in time is waited for to be taken (ACCEPTED) before the caller is told it is not taken yet. */
const TAKEN_WITHIN_MS = 10_000;

const queuesSeenPolled = new Map<string, number>();

/**
 * Whether a worker polled the journeys' task queue lately; a server that cannot say (a rate limit, a permission the
 * key lacks, a describe not answered in time on a loaded server) counts as yes, so that nothing is held back for want
 * of an answer — the input's own bounded wait then says whether a worker took it. Only a server that cannot be reached
 * is said at once.
 */
export async function aWorkerPolls(client: Client, taskQueue: string): Promise<boolean> {
  const seenAt = queuesSeenPolled.get(taskQueue);
  if (seenAt !== undefined && Date.now() - seenAt < WORKER_SEEN_KEPT_MS) return true;
  const polled = await workflowPollersSince(client, taskQueue, Date.now() - WORKER_SEEN_WITHIN_MS).catch(
    (err: unknown) => {
      if (temporalNotAnswering(err) === 'unreachable') throw err;
      return null;
    },
  );
  if (polled === null) return true; // not said: asked again next time
  if (polled > 0) {
    queuesSeenPolled.set(taskQueue, Date.now());
    return true;
  }
  queuesSeenPolled.delete(taskQueue);
  return false;
}

/**
 * Refuses an input, before it is sent, when no worker polls the journeys' task queue — or, for a number without a
 * running journey, says so, as the update would have.
 */
async function ensureAWorkerPolls(client: Client, e164: string, taskQueue: string): Promise<void> {
  if (await aWorkerPolls(client, taskQueue)) return;
  const running = await describeIfAny(client, journeyWorkflowId(e164)).then(
    (described) => described?.status === 'RUNNING',
    () => false,
  );
  if (!running) throw await notRunning(client, e164);
  throw new NotAnsweringError(
    'no_worker',
    `no worker has polled the journeys' task queue "${taskQueue}" for ${WORKER_SEEN_WITHIN_MS / 60_000} minutes: the input was not sent; send it again once a worker runs`,
  );
}

/**
 * Submits an input (code, PIN, name, resend, cancel, removal, deletion confirmation) through its update, answered in
 * one call: a refusal by the validator comes back at once as a WorkflowUpdateFailedError, the journey's answer
 * within `waitMs`. Not answered by then, the same update (its id) is started again up to ACCEPTED — the server
 * takes an update id once per run — so "received, still working" is said only of an input the journey has taken.
 * (A journey that answered and continued as new between the two calls would take it again on its new run: a window
 * of milliseconds after a time-out, open only in LIVE, the one stage that continues as new. Not in the task that
 * answered an update at once: a PIN reveal's, which Temporal's client sent again on its own — live.ts.)
 */
export async function submitToJourney<Arg>(
  client: Client,
  e164: string,
  update: UpdateDefinition<SubmissionOutcome, [Arg]>,
  arg: Arg,
  { waitMs = 10_000, stillWorking, updateId = randomUUID(), taskQueue }: SubmitOptions = {},
): Promise<SubmissionOutcome> {
  const journey = client.workflow.getHandle(journeyWorkflowId(e164));
  const options = { args: [arg] as [Arg], updateId };
  if (taskQueue !== undefined) await ensureAWorkerPolls(client, e164, taskQueue);
  try {
    const outcome = await boundedWait(client, waitMs, () => journey.executeUpdate(update, options));
    if (outcome !== TIMED_OUT) return outcome;
    const taken = await boundedWait(client, TAKEN_WITHIN_MS, () =>
      journey.startUpdate(update, { ...options, waitForStage: WorkflowUpdateStage.ACCEPTED }),
    );
    if (taken === TIMED_OUT) {
      // Sent, and held by Temporal for now: said as pending, not as a failure a caller would send again at once.
      const within = Math.round((waitMs + TAKEN_WITHIN_MS) / 1000);
      return {
        accepted: false,
        pending: true,
        message: `not taken yet: no worker took it within ${within} s (is the journeys' worker down or stuck?); Temporal holds it until one does, in memory (a server restart meanwhile loses it) — see \`show ${e164}\` before sending it again`,
        attemptsLeft: null,
      };
    }
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw await notRunning(client, e164);
    throw err;
  }
  const waits = await whatItWaitsFor(client, journey);
  const said = (waits: string | null) =>
    waits
      ? `taken; meanwhile the journey waits: ${waits} — see \`show ${e164}\` for the outcome`
      : `verifying with Meta — see \`show ${e164}\` for the outcome`;
  return { accepted: true, pending: true, message: (stillWorking ?? said)(waits), attemptsLeft: null };
}

/** How long the journey's view is waited for, to say why an input was not answered in time. */
const WAIT_READ_MS = 2_000;

/**
 * What keeps the journey from answering, when it waits on someone other than the operator (a new Meta token, Meta's
 * limit, the portfolio): the operator would otherwise read "Meta may be slow" for a wait of days. Null when it
 * cannot tell in time (a task holding the journey answers no query).
 */
async function whatItWaitsFor(client: Client, journey: WorkflowHandle): Promise<string | null> {
  const view = await boundedWait(client, WAIT_READ_MS, () => journey.query(journeyQuery)).catch(() => null);
  const waiting = view === TIMED_OUT ? null : view?.waiting;
  return waiting && waiting.for !== 'operator' ? waiting.reason : null;
}

/**
 * Why a journey takes no update: it has ended (its runs stay readable), or the number never had one. `ended` words
 * the refusal of an ended journey for what was asked of it.
 */
export async function notRunning(
  client: Client,
  e164: string,
  ended = (status: string) =>
    `the journey of ${e164} has ended (${status}); it takes no more input — start a new journey to onboard the number again`,
): Promise<Error> {
  const status = await client.workflow
    .getHandle(journeyWorkflowId(e164))
    .describe()
    .then(
      // A journey that ended itself says how (FAILED, REMOVED …), where its run only says COMPLETED.
      (described) => {
        const stage = described.typedSearchAttributes.get(NumberStage);
        return described.status.name === 'COMPLETED' && isJourneyOutcome(stage) ? stage : described.status.name;
      },
      () => null,
    );
  if (status === null) return new JourneyNotFoundError(`no journey for ${e164}`);
  return new JourneyEndedError(ended(status));
}
