// A row whose start meets Temporal unreachable fails in words an operator acts on: Temporal could not be reached,
// and the same file again starts the row once at most (the SDK's own words follow in brackets).
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { checkRows, startRows, type StartOnce } from '../../src/journeys/index.js';

describe('a bulk start while Temporal is unreachable', () => {
  it('fails the row saying Temporal cannot be reached and that the same file again is safe', async () => {
    const unreachable = Object.assign(new Error('Failed to list workflows'), {
      cause: new Error('14 UNAVAILABLE: No connection established'),
    });
    const startOnce: StartOnce = () => Promise.reject(unreachable);
    const refused: StartOnce = () => Promise.reject(new Error('+14155553300 already has a journey'));
    const { good } = checkRows(
      [{ line: 2, fields: { wabaId: '1', portfolioId: '2', phoneNumber: '+14155553300', displayName: 'Acme' } }],
      'cli',
    );
    const pace = { ratePerSecond: 500, concurrency: 1 };
    const client = {} as Client; // asked only for a journey already running
    const [row] = await startRows(client, startOnce, good, pace);
    expect(row).toMatchObject({ line: 2, outcome: 'failed', workflowId: null });
    expect(row?.error).toBe(
      'Temporal cannot be reached now; try again shortly (Failed to list workflows): the same file again starts this row once at most',
    );
    const [other] = await startRows(client, refused, good, pace);
    expect(other?.error).toBe('+14155553300 already has a journey'); // any other failure in its own words
  });
});
