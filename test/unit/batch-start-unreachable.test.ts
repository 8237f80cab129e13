// A row whose start meets Temporal unreachable fails in words an operator acts on: Temporal could not be reached,
// and the same file again starts the row once at most (the SDK's own words follow in brackets). Real gRPC: the
// starts' client has a frontend whose port has nothing listening (a stopped server).
import { describe, expect, it } from 'vitest';
import { checkRows, createStartOnce, startRows, type StartOnce } from '../../src/journeys/index.js';
import { useUnreachableClient } from '../support/processes.js';

describe('a bulk start while Temporal is unreachable', () => {
  const unreachableClient = useUnreachableClient();

  it('fails the row saying Temporal cannot be reached and that the same file again is safe', async () => {
    const client = await unreachableClient();
    const { good } = checkRows(
      [{ line: 2, fields: { wabaId: '1', portfolioId: '2', phoneNumber: '+14155553300', displayName: 'Acme' } }],
      'cli',
    );
    const pace = { ratePerSecond: 500, concurrency: 1 };
    const [row] = await startRows(client, createStartOnce(client, 'bulk'), good, pace);
    expect(row).toMatchObject({ line: 2, outcome: 'failed', workflowId: null });
    expect(row?.error).toMatch(
      /^Temporal cannot be reached now; try again shortly \(.+\): the same file again starts this row once at most$/,
    );
    // Any other failure is said in its own words.
    const refused: StartOnce = () => Promise.reject(new Error('+14155553300 already has a journey'));
    const [other] = await startRows(client, refused, good, pace);
    expect(other?.error).toBe('+14155553300 already has a journey');
  });
});
