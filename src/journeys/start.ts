// Starting a number's journey, shared by the CLI and the HTTP API.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { refuseClosedSignupWindow } from '../domain/journey-input.js';
import { journeyWorkflowId, type JourneyInput } from '../domain/journey.js';
import {
  IdempotencyKey,
  NumberStage,
  PhoneNumberE164,
  PhoneNumberId,
  PortfolioId,
  WabaId,
} from '../domain/search-attributes.js';
import type { StageOrOutcome } from '../domain/stages.js';
import type { numberJourney } from '../workflows/number-journey.js';
import { JourneyConflictError } from './errors.js';

export interface StartOptions {
  /**
   * Start without search attributes, for a server that has none registered (the time-skipping test server).
   * The journey keeps current only the attributes it was started with.
   */
  withoutSearchAttributes?: boolean;
  /** The API's Idempotency-Key and the hash of the request it came with (kept in the memo and visibility). */
  idempotency?: Idempotency;
}

export interface Idempotency {
  key: string;
  /** SHA-256 (hex) of the canonical request: the same key with another request is a conflict. */
  requestHash: string;
  /** The request's hashes as earlier versions kept it, where they differ (request-hash.ts): found as the same request. */
  requestHashesBefore?: string[];
  /**
   * Whose key it is (the API's principal): another principal's key of the same name is not this one, and neither
   * blocks nor answers it. Absent (direct mode, journeys started before keys were scoped): any principal's.
   */
  scope?: string;
  /** Whether the caller may see a journey of this portfolio: one it may not is a conflict that names no run. */
  sees?: (portfolioId: string | null) => boolean;
}

export interface StartedJourney {
  workflowId: string;
  runId: string;
}

/** The memo a journey started through the API carries. */
export interface JourneyMemo {
  idempotencyKey?: string;
  requestHash?: string;
  /** Idempotency.scope: absent in journeys started before keys were scoped, and in direct mode's. */
  idempotencyScope?: string;
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
  refuseClosedSignupWindow(input);
  const workflowId = journeyWorkflowId(input.phoneNumber.e164);
  const { idempotency } = options;
  try {
    const handle = await client.workflow.start<typeof numberJourney>('numberJourney', {
      taskQueue,
      workflowId,
      args: [input],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      ...(idempotency
        ? {
            memo: {
              idempotencyKey: idempotency.key,
              requestHash: idempotency.requestHash,
              ...(idempotency.scope === undefined ? {} : { idempotencyScope: idempotency.scope }),
            } satisfies JourneyMemo,
          }
        : {}),
      typedSearchAttributes: options.withoutSearchAttributes
        ? []
        : [
            { key: NumberStage, value: 'WAITING_FOR_CAPACITY' satisfies StageOrOutcome },
            { key: WabaId, value: input.wabaId },
            { key: PortfolioId, value: input.portfolioId },
            { key: PhoneNumberE164, value: input.phoneNumber.e164 },
            ...(input.phoneNumberId ? [{ key: PhoneNumberId, value: input.phoneNumberId }] : []),
            ...(idempotency ? [{ key: IdempotencyKey, value: idempotency.key }] : []),
          ],
    });
    return { workflowId, runId: handle.firstExecutionRunId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      // Which run, and what lets a new journey start, as a start under a key says it (start-once.ts).
      const running = await client.workflow
        .getHandle(workflowId)
        .describe()
        .catch(() => null);
      const run = running ? `, run ${running.runId}` : '';
      throw new JourneyConflictError(
        `${input.phoneNumber.e164} already has a journey in progress (${workflowId}${run}); a number can be onboarded by one journey at a time: follow that journey, ${wayOutOf(running?.typedSearchAttributes.get(NumberStage))}`,
        workflowId,
        running?.runId,
      );
    }
    throw err;
  }
}

/** What lets a new journey of the number start, by the stage its running journey shows. */
export function wayOutOf(stage: string | undefined): string {
  // A journey that went live is not cancelled: it ends by the number's removal.
  if (stage === 'LIVE')
    return 'the number is live: an admin removes it (its journey then ends), and a new journey may start';
  if (stage === 'REMOVING') return 'the number is being removed: a new journey may start once the removal has ended';
  // A live number's rename shows the rename's stage, not LIVE: its journey is not cancelled either.
  return 'or cancel it first if it has not gone live (a live number is removed instead)';
}
