// The console's `/` when more journeys wait than it lists: every page of visibility is read (it answers newest
// first), and the longest waiting are kept. Real journeys on the dev server, against the Graph sandbox.
import { describe, expect, it } from 'vitest';
import { longestWaiting } from '../../src/http/console/routes/queue.js';
import { eventually } from '../api/support.js';
import { useBench } from '../support/bench.js';

describe("the console's list of journeys awaiting input (dev server + Graph sandbox)", () => {
  const t = useBench('dev');

  it('lists the longest waiting when more wait than it lists, reading visibility page by page', async () => {
    await t.bench.run(async () => {
      const started: string[] = [];
      for (let i = 0; i < 3; i++) {
        const input = t.bench.input();
        const journey = await t.bench.start(input);
        await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
        started.push(input.phoneNumber.e164);
      }
      const filter = { awaitingInput: true, portfolioId: t.bench.portfolioId };
      const read = (options: { limit: number; pageSize: number; readLimit?: number }) =>
        longestWaiting(t.env.client, filter, options);
      // A page of one at a time: the newest comes first, and is not among the two listed.
      const two = await eventually(
        () => read({ limit: 2, pageSize: 1 }),
        (answer) => answer.waiting === 3,
        'the three waiting, in visibility',
      );
      expect(two).toEqual({ journeys: [expect.anything(), expect.anything()], waiting: 3, more: false });
      expect(two.journeys.map((j) => j.e164)).toEqual(started.slice(0, 2));
      // Reading stops at its limit: the longest waiting of those read, and that more wait.
      const stopped = await read({ limit: 2, pageSize: 1, readLimit: 2 });
      expect(stopped).toMatchObject({ waiting: 2, more: true });
      expect(stopped.journeys.map((j) => j.e164)).toEqual(started.slice(1, 3));
    });
  });
});
