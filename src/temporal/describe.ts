// A workflow's latest run as Temporal describes it, or null when there is none: the question several callers ask
// before acting on a workflow that may never have started. Read raw, as a listing is (./listed-runs.ts): the SDK's
// describe decodes the run's memo, and one of a key not held here would fail a question that needs no memo.
import { status } from '@grpc/grpc-js';
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { listedRun, type ListedRun } from './listed-runs.js';

export interface DescribedRun extends ListedRun {
  taskQueue: string;
}

export async function describeIfAny(client: Client, workflowId: string): Promise<DescribedRun | null> {
  try {
    const answer = await client.workflowService.describeWorkflowExecution({
      namespace: client.options.namespace,
      execution: { workflowId },
    });
    const info = answer.workflowExecutionInfo ?? {};
    return { ...listedRun(info), taskQueue: info.taskQueue ?? '' };
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === status.NOT_FOUND) return null;
    throw err;
  }
}
