// The journey's way to the portfolio entity: an update (granted or queued) on `portfolio:<id>`, started on
// first use and seeded with the numbers Meta already shows registered on the WABA.
import type { Client } from '@temporalio/client';
import { acquireSlotUpdate, portfolioWorkflowId, type SlotAnswer } from '../domain/portfolio.js';
import type { GraphClient } from '../graph/client.js';
import type { portfolio } from '../workflows/portfolio.js';
import { graphCall } from './failures.js';
import { registeredNumbers } from './graph-activities.js';

export interface PortfolioActivityDeps {
  temporal: Client;
  taskQueue: string;
  graph: GraphClient;
}

export function createPortfolioActivities({ temporal, taskQueue, graph }: PortfolioActivityDeps) {
  return {
    async acquireSlot(request: {
      portfolioId: string;
      wabaId: string;
      e164: string;
      workflowId: string;
      registered?: boolean;
    }): Promise<SlotAnswer> {
      const workflowId = portfolioWorkflowId(request.portfolioId);
      const handle = temporal.workflow.getHandle(workflowId);
      const running = await handle.describe().then(
        (d) => d.status.name === 'RUNNING',
        () => false,
      );
      if (!running) {
        const preregistered = await graphCall(() => registeredNumbers(graph, request.wabaId));
        await temporal.workflow.start<typeof portfolio>('portfolio', {
          taskQueue,
          workflowId,
          args: [{ portfolioId: request.portfolioId, preregistered }],
          workflowIdConflictPolicy: 'USE_EXISTING', // another journey may have started it meanwhile
        });
      }
      return handle.executeUpdate(acquireSlotUpdate, {
        args: [{ e164: request.e164, workflowId: request.workflowId }],
      });
    },
  };
}
