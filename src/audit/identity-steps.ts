// A customer's identity recovery (`customerIdentity`) as an auditor reads it: what each of its identity-store steps
// did, why its one durable wait runs, and how the run ended. Only the outcome's stage is read from its result: the
// notes it carries repeat what history already says, with the operator's own words that the timeline leaves out.
import { z } from 'zod';
import type { Activities } from '../activities/index.js';
import { CONFIRMATION_WINDOW_MS, type IdentityOutcome } from '../domain/identity.js';
import type { HistoryEvent, PayloadReader } from './decode.js';
import { allowed } from './payloads.js';
import type { NewEntry } from './walk.js';

const steps: Partial<Record<keyof Activities, string>> = {
  markUntrusted: 'marked the customer untrusted: sends to them are refused until an operator confirms',
  allowUnhashedSend:
    'let the next send to the customer go without the identity hash (the status of that send brings the new one)',
  restoreTrust: 'trust restored: sends to the customer carry their new identity hash',
  lapseConfirmation: 'the confirmation lapsed, no send having brought the new hash: the customer is untrusted again',
};

export function identityStepOf(activityType: string): string | undefined {
  return Object.hasOwn(steps, activityType) ? steps[activityType as keyof Activities] : undefined;
}

const days = CONFIRMATION_WINDOW_MS / (24 * 60 * 60 * 1000);

/**
 * The recovery waits for the operator's confirmation, for 30 days; once confirmed (its runs since
 * `identity-confirmation-lapses`), for a send's status to bring the new hash, for 30 days too.
 */
export const identityWaitReason = (confirmed: boolean): string =>
  confirmed
    ? `a send to the customer without the identity hash, whose status brings the new one (${days} days at most, then the confirmation lapses)`
    : `an operator's confirmation that the customer was re-verified outside WhatsApp (${days} days at most)`;

/** Whether the event is the step that lets sends go without the hash: the operator confirmed. */
export const confirmedAt = (event: HistoryEvent): boolean =>
  event.activityTaskScheduledEventAttributes?.activityType?.name === ('allowUnhashedSend' satisfies keyof Activities);

const outcomeFields = z.object({
  stage: z.enum(['TRUSTED', 'TIMED_OUT']),
  confirmationLapsed: z.literal(true).optional(),
}) satisfies z.ZodType<Pick<IdentityOutcome, 'stage' | 'confirmationLapsed'>>;

const endings: Record<IdentityOutcome['stage'] | 'LAPSED', string> = {
  TRUSTED: "the customer's identity recovery is over: they are trusted again",
  TIMED_OUT: `nobody confirmed the customer within ${days} days: they stay untrusted, sends to them stay refused`,
  LAPSED: `no send brought the customer's new identity hash within ${days} days of the confirmation: it lapsed, they are untrusted again, sends to them refused until an operator confirms again`,
};

/** The entry of a recovery that completed; undefined for any other event (the journey's endings word the rest). */
export async function identityCompletion(
  event: HistoryEvent,
  reader: PayloadReader,
  where: string,
): Promise<NewEntry | undefined> {
  const completed = event.workflowExecutionCompletedEventAttributes;
  if (!completed) return undefined;
  const outcome = allowed(outcomeFields, await reader.first(completed.result?.payloads, where));
  return {
    kind: 'ended',
    actor: 'numberflow',
    what: outcome
      ? endings[outcome.confirmationLapsed ? 'LAPSED' : outcome.stage]
      : "the customer's identity recovery ended (its result could not be read)",
    outcome: outcome?.stage ?? 'COMPLETED',
  };
}
