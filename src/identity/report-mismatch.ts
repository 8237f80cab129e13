// A 137000 (from a status webhook or a send's answer) signals the customer's `customerIdentity` workflow, starting it
// if the customer was trusted until now; a mismatch seen twice is one signal more, harmless. The send without the
// hash that a confirmation allowed is told to the same workflow, for its history (the audit reads it there).
import type { Client } from '@temporalio/client';
import {
  customerIdentityWorkflowId,
  identityMismatchSignal,
  identityUnhashedSendSignal,
  type CustomerIdentityInput,
  type IdentityMismatch,
  type IdentityUnhashedSend,
} from '../domain/identity.js';
import type { CustomerKey } from '../stores/identity-store.js';

export function mismatchReporter(client: Client, taskQueue: string) {
  return async (input: CustomerIdentityInput, mismatch: IdentityMismatch): Promise<void> => {
    await client.workflow.signalWithStart('customerIdentity', {
      workflowId: customerIdentityWorkflowId(input.phoneNumberId, input.waId),
      taskQueue,
      args: [input],
      signal: identityMismatchSignal,
      signalArgs: [mismatch],
    });
  };
}

/**
 * Tells the customer's workflow about the send without the hash. The message is already sent: nothing here may fail
 * the send (the journey's activity would send it again), so a workflow gone or unreachable is let be — the status
 * that brings the new hash names the message in history all the same.
 */
export function unhashedSendReporter(client: Client) {
  return async (key: CustomerKey, sent: IdentityUnhashedSend): Promise<void> => {
    await client.workflow
      .getHandle(customerIdentityWorkflowId(key.phoneNumberId, key.waId))
      .signal(identityUnhashedSendSignal, sent)
      .catch(() => undefined);
  };
}

/** What the guarded send tells Temporal: a 137000, and the send without the hash. */
export const identityReporters = (client: Client, taskQueue: string) => ({
  reportMismatch: mismatchReporter(client, taskQueue),
  reportUnhashedSend: unhashedSendReporter(client),
});
