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
};

export function identityStepOf(activityType: string): string | undefined {
  return Object.hasOwn(steps, activityType) ? steps[activityType as keyof Activities] : undefined;
}

const days = CONFIRMATION_WINDOW_MS / (24 * 60 * 60 * 1000);

/** The recovery waits on one thing only: the operator's confirmation, for 30 days. */
export const identityWaitReason = (): string =>
  `an operator's confirmation that the customer was re-verified outside WhatsApp (${days} days at most)`;

const outcomeFields = z.object({ stage: z.enum(['TRUSTED', 'TIMED_OUT']) }) satisfies z.ZodType<
  Pick<IdentityOutcome, 'stage'>
>;

const endings: Record<IdentityOutcome['stage'], string> = {
  TRUSTED: "the customer's identity recovery is over: they are trusted again",
  TIMED_OUT: `nobody confirmed the customer within ${days} days: they stay untrusted, sends to them stay refused`,
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
    what: outcome ? endings[outcome.stage] : "the customer's identity recovery ended (its result could not be read)",
    outcome: outcome?.stage ?? 'COMPLETED',
  };
}
