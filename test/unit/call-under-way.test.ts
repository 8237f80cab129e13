// The retried call is read after the journey's view: Temporal failing that read leaves the view standing, without it.
// Real gRPC: a client whose frontend's port has nothing listening (a stopped server).
import { describe, expect, it } from 'vitest';
import { callUnderWay } from '../../src/journeys/call-under-way.js';
import { useUnreachableClient } from '../support/processes.js';

describe('the Graph call under way', () => {
  const unreachableClient = useUnreachableClient();

  it('is none when Temporal cannot be asked, rather than failing the view it goes with', async () => {
    const client = await unreachableClient();
    await expect(client.workflow.getHandle('number:+14155552671').describe()).rejects.toThrow(); // unreachable
    await expect(callUnderWay(client, 'number:+14155552671')).resolves.toBeNull();
  });
});
