// Acting on a journey: an operator's or admin's input, sent as the journey's update and answered with its outcome.
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateStage, type Client, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { journeyQuery, journeyWorkflowId } from '../domain/journey.js';
import type { SubmissionOutcome } from '../domain/messages.js';
import { NumberStage } from '../domain/search-attributes.js';
import { isJourneyOutcome } from '../domain/stages.js';
import { TIMED_OUT, boundedWait } from '../temporal/bounded-wait.js';
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
  { waitMs = 10_000, stillWorking, updateId = randomUUID() }: SubmitOptions = {},
): Promise<SubmissionOutcome> {
  const journey = client.workflow.getHandle(journeyWorkflowId(e164));
  const options = { args: [arg] as [Arg], updateId };
  try {
    const outcome = await boundedWait(client, waitMs, () => journey.executeUpdate(update, options));
    if (outcome !== TIMED_OUT) return outcome;
    await journey.startUpdate(update, { ...options, waitForStage: WorkflowUpdateStage.ACCEPTED });
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
