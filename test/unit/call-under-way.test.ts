// The retried call is read after the journey's view: Temporal failing that read leaves the view standing, without it.
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { callUnderWay } from '../../src/journeys/call-under-way.js';

describe('the Graph call under way', () => {
  it('is none when Temporal cannot be asked, rather than failing the view it goes with', async () => {
    const asked: unknown[] = [];
    const client = {
      options: { namespace: 'default' },
      workflowService: {
        describeWorkflowExecution: (request: unknown) => {
          asked.push(request);
          return Promise.reject(new Error('14 UNAVAILABLE: No connection established'));
        },
      },
    } as unknown as Client;
    await expect(callUnderWay(client, 'number:+14155552671')).resolves.toBeNull();
    expect(asked).toEqual([{ namespace: 'default', execution: { workflowId: 'number:+14155552671' } }]);
  });
});
