// An operator's confirmation that an untrusted customer was re-verified outside WhatsApp, sent to the customer's
// `customerIdentity` workflow. A customer whose workflow ended without a confirmation (30 days) is still untrusted
// in the store: their workflow is started again, and takes the confirmation.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  confirmIdentityUpdate,
  customerIdentityWorkflowId,
  type CustomerIdentityInput,
  type IdentityConfirmation,
} from '../domain/identity.js';
import { customersNumberOf, endedOrRemoving, type JourneyView } from '../domain/journey.js';
import type { IdentityStore } from '../stores/identity-store.js';
import { NumberNotLiveError } from './live-number.js';

export class NotAwaitingConfirmationError extends Error {
  override readonly name = 'NotAwaitingConfirmationError';
  /** Whether numberflow holds the customer's identity (trusted now: a conflict), or nothing of them (not found). */
  constructor(
    message: string,
    readonly known: boolean,
  ) {
    super(message);
  }
}

export async function confirmCustomer(
  deps: { client: Client; taskQueue: string; identities: IdentityStore },
  view: JourneyView,
  waId: string,
  confirmation: IdentityConfirmation,
  {
    updateId,
    seenSince,
  }: {
    /** The update's id: the same one sent again is answered as first, not run again (a console form posted again). */
    updateId?: string;
    /** The customer's `since` as the operator saw it: a change after it is not the one they re-verified. */
    seenSince?: string;
  } = {},
): Promise<{ message: string }> {
  const unknown = new NotAwaitingConfirmationError(
    `numberflow holds no identity of customer ${waId} of ${view.e164}: there is nothing to confirm`,
    false,
  );
  // A number removed, or being removed, sends no more: a confirmation would promise a send that cannot happen.
  if (endedOrRemoving(view)) {
    const where = view.result ? `no longer live (${view.stage})` : `not live (stage ${view.stage})`;
    throw new NumberNotLiveError(
      `${view.e164} is ${where}: it sends no messages, so confirming customer ${waId} changes nothing`,
    );
  }
  // Only the customers of a number the journey took live: a journey naming another business's phone_number_id (a
  // start takes it as given) must not lift that business's block on its customer, nor learn whether it exists.
  const phoneNumberId = customersNumberOf(view);
  if (!phoneNumberId) throw unknown;
  const input: CustomerIdentityInput = { phoneNumberId, waId, wabaId: view.wabaId };
  if (seenSince !== undefined) await ensureTheChangeSeen(deps.identities, input, view.e164, seenSince);
  const handle = deps.client.workflow.getHandle(customerIdentityWorkflowId(input.phoneNumberId, waId));
  const confirm = () => handle.executeUpdate(confirmIdentityUpdate, { args: [confirmation], updateId });
  try {
    return await confirm();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  if (!(await deps.identities.trust(input))) {
    if (!(await deps.identities.current(input))) throw unknown;
    throw new NotAwaitingConfirmationError(
      `customer ${waId} of ${view.e164} is trusted (no identity change since their hash was stored): there is nothing to confirm`,
      true,
    );
  }
  await deps.client.workflow
    .start('customerIdentity', { workflowId: handle.workflowId, taskQueue: deps.taskQueue, args: [input] })
    .catch((err: unknown) => {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err; // started meanwhile: it takes it
    });
  return confirm();
}

/**
 * A form left open since the customer's first change (or a call racing a new 137000) must not confirm a later one
 * nobody re-verified: the recovery it would reach is the new change's. Refused when the customer is untrusted since
 * another moment than the one the operator saw.
 */
async function ensureTheChangeSeen(
  identities: IdentityStore,
  key: CustomerIdentityInput,
  e164: string,
  seenSince: string,
): Promise<void> {
  const stands = await identities.trust(key);
  if (stands?.state !== 'untrusted' || Date.parse(stands.since) === Date.parse(seenSince)) return;
  throw new NotAwaitingConfirmationError(
    `customer ${key.waId} of ${e164} changed identity again at ${stands.since}, after the change you saw (${seenSince}): re-verify them and confirm again`,
    true,
  );
}
