// A workflow's latest run as Temporal describes it, or null when there is none: the question several callers ask
// before acting on a workflow that may never have started.
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';

export function describeIfAny(client: Client, workflowId: string): Promise<WorkflowExecutionDescription | null> {
  return client.workflow
    .getHandle(workflowId)
    .describe()
    .catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    });
}
