// The client side of journeys, shared by the CLI (starter.ts) and the HTTP service: start one, read one, list.
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateStage,
  type Client,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { journeyQuery, journeyWorkflowId, type JourneyInput, type JourneyView } from './domain/journey.js';
import type { SubmissionOutcome } from './domain/messages.js';
import { NumberStage, PhoneNumberE164, PhoneNumberId, PortfolioId, WabaId } from './domain/search-attributes.js';
import type { StageOrOutcome } from './domain/stages.js';
import { TIMED_OUT, boundedWait } from './temporal/bounded-wait.js';
import type { numberJourney } from './workflows/number-journey.js';

export class JourneyConflictError extends Error {
  override readonly name = 'JourneyConflictError';
}

export class JourneyNotFoundError extends Error {
  override readonly name = 'JourneyNotFoundError';
}

export interface StartOptions {
  /**
   * Start without search attributes, for a server that has none registered (the time-skipping test server).
   * The journey keeps current only the attributes it was started with.
   */
  withoutSearchAttributes?: boolean;
}

export interface StartedJourney {
  workflowId: string;
  runId: string;
}

/**
 * Starts a number's journey. The workflow id `number:<E.164>` makes a number belong to one journey at a time:
 * a start while one runs is a conflict; once it has ended the number may be onboarded again (a new run).
 */
export async function startJourney(
  client: Client,
  taskQueue: string,
  input: JourneyInput,
  options: StartOptions = {},
): Promise<StartedJourney> {
  const workflowId = journeyWorkflowId(input.phoneNumber.e164);
  try {
    const handle = await client.workflow.start<typeof numberJourney>('numberJourney', {
      taskQueue,
      workflowId,
      args: [input],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: options.withoutSearchAttributes
        ? []
        : [
            { key: NumberStage, value: 'WAITING_FOR_CAPACITY' satisfies StageOrOutcome },
            { key: WabaId, value: input.wabaId },
            { key: PortfolioId, value: input.portfolioId },
            { key: PhoneNumberE164, value: input.phoneNumber.e164 },
            ...(input.phoneNumberId ? [{ key: PhoneNumberId, value: input.phoneNumberId }] : []),
          ],
    });
    return { workflowId, runId: handle.firstExecutionRunId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new JourneyConflictError(
        `${input.phoneNumber.e164} already has a journey in progress (${workflowId}); a number can be onboarded by one journey at a time`,
      );
    }
    throw err;
  }
}

/** Where the number's latest journey stands (also after it has ended). */
export async function describeJourney(client: Client, e164: string): Promise<JourneyView> {
  const workflowId = journeyWorkflowId(e164);
  try {
    return await client.workflow.getHandle(workflowId).query(journeyQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new JourneyNotFoundError(`no journey for ${e164}`);
    throw err;
  }
}

export interface SubmitOptions {
  /** How long to wait for the journey's answer once it has accepted the submission. */
  waitMs?: number;
}

/**
 * Submits an operator's input (code, PIN, name) through its update. A refusal by the validator comes back at
 * once (the update is started up to ACCEPTED); the answer is awaited at most `waitMs`, so a slow Meta gets a
 * "received" instead of a blocked operator.
 */
export async function submitToJourney<Arg>(
  client: Client,
  e164: string,
  update: UpdateDefinition<SubmissionOutcome, [Arg]>,
  arg: Arg,
  { waitMs = 10_000 }: SubmitOptions = {},
): Promise<SubmissionOutcome> {
  const accepted = await client.workflow
    .getHandle(journeyWorkflowId(e164))
    .startUpdate(update, { args: [arg], waitForStage: WorkflowUpdateStage.ACCEPTED });
  const outcome = await boundedWait(client, waitMs, () => accepted.result());
  if (outcome !== TIMED_OUT) return outcome;
  return {
    accepted: true,
    pending: true,
    message: `verifying with Meta — see \`show ${e164}\` for the outcome`,
    attemptsLeft: null,
  };
}
