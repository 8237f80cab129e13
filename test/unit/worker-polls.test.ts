// Whether an input is sent: a worker seen polling, or a server that cannot say, lets it through; a server that cannot
// be reached is said at once.
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { aWorkerPolls } from '../../src/journeys/act.js';

/** A client whose describeTaskQueue answers with `answer` (pollers seen that long ago), or fails with `failure`. */
function clientAnswering(answer: { agoMs: number }[] | Error): { client: Client; asked: () => number } {
  let asked = 0;
  const describeTaskQueue = () => {
    asked += 1;
    if (answer instanceof Error) return Promise.reject(answer);
    const now = Date.now();
    return Promise.resolve({
      pollers: answer.map(({ agoMs }) => ({
        identity: 'w',
        lastAccessTime: { seconds: Math.floor((now - agoMs) / 1000), nanos: 0 },
      })),
    });
  };
  const client = { options: { namespace: 'default' }, workflowService: { describeTaskQueue } } as unknown as Client;
  return { client, asked: () => asked };
}

describe("the input's check for a worker polling the journeys' queue", () => {
  it('lets an input through when the describe times out (a loaded server cannot say), asking again next time', async () => {
    const { client, asked } = clientAnswering(new Error('4 DEADLINE_EXCEEDED: Deadline exceeded'));
    expect(await aWorkerPolls(client, 'q-timed-out')).toBe(true);
    expect(await aWorkerPolls(client, 'q-timed-out')).toBe(true);
    expect(asked()).toBe(2); // an answer not given is not kept as "a worker polls"
  });

  it('throws when the server cannot be reached', async () => {
    const { client } = clientAnswering(new Error('14 UNAVAILABLE: No connection established'));
    await expect(aWorkerPolls(client, 'q-unreachable')).rejects.toThrow(/^14 UNAVAILABLE/);
  });

  it('answers no for pollers last seen long ago, yes for one seen lately (kept a few seconds)', async () => {
    expect(await aWorkerPolls(clientAnswering([{ agoMs: 10 * 60_000 }]).client, 'q-gone')).toBe(false);
    const seen = clientAnswering([{ agoMs: 1_000 }]);
    expect(await aWorkerPolls(seen.client, 'q-seen')).toBe(true);
    expect(await aWorkerPolls(seen.client, 'q-seen')).toBe(true);
    expect(seen.asked()).toBe(1);
  });
});
