// The retried call is read after the journey's view: Temporal failing that read leaves the view standing, without it.
// Real gRPC: a client whose frontend's port has nothing listening (a stopped server).
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { callUnderWay } from '../../src/journeys/call-under-way.js';
import { freePorts } from '../support/processes.js'; // a port taken then let go: nothing listens

describe('the Graph call under way', () => {
  let connection: Connection | undefined;
  afterAll(() => connection?.close().catch(() => undefined));

  it('is none when Temporal cannot be asked, rather than failing the view it goes with', async () => {
    // No retry interceptor: the SDK's own would retry UNAVAILABLE for half a minute before saying so.
    connection = Connection.lazy({ address: `127.0.0.1:${(await freePorts(1))[0]}`, interceptors: [] });
    const client = new Client({ connection });
    await expect(client.workflow.getHandle('number:+14155552671').describe()).rejects.toThrow(); // unreachable
    await expect(callUnderWay(client, 'number:+14155552671')).resolves.toBeNull();
  });
});
