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
import { boundedWait } from '../temporal/bounded-wait.js';

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

/** How long telling the workflow about a send may hold the send's answer up. */
const UNHASHED_SEND_REPORT_MS = 5_000;

/**
 * Tells the customer's workflow about the send without the hash. The message is already sent: nothing here may fail
 * or stall the send (the journey's activity would time out and send it again), so a workflow gone or a Temporal slow
 * to answer within 5 s is let be — the status that brings the new hash names the message in history all the same.
 */
export function unhashedSendReporter(client: Client) {
  return async (key: CustomerKey, sent: IdentityUnhashedSend): Promise<void> => {
    const handle = client.workflow.getHandle(customerIdentityWorkflowId(key.phoneNumberId, key.waId));
    await boundedWait(client, UNHASHED_SEND_REPORT_MS, () => handle.signal(identityUnhashedSendSignal, sent)).catch(
      () => undefined,
    );
  };
}

/** What the guarded send tells Temporal: a 137000, and the send without the hash. */
export const identityReporters = (client: Client, taskQueue: string) => ({
  reportMismatch: mismatchReporter(client, taskQueue),
  reportUnhashedSend: unhashedSendReporter(client),
});
