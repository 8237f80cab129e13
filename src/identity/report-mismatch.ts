// A 137000 (from a status webhook or a send's answer) signals the customer's `customerIdentity` workflow, starting it
// if the customer was trusted until now; a mismatch seen twice is one signal more, harmless.
import type { Client } from '@temporalio/client';
import {
  customerIdentityWorkflowId,
  identityMismatchSignal,
  type CustomerIdentityInput,
  type IdentityMismatch,
} from '../domain/identity.js';

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
