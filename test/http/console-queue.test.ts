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
      // Counted first; past the limit, the start time by which that many began is found by counting, and only
      // those are read (a page of one at a time here).
      const two = await eventually(
        () => longestWaiting(t.env.client, filter, { limit: 2, pageSize: 1 }),
        (answer) => answer.waiting === 3,
        'the three waiting, in visibility',
      );
      expect(two.journeys.map((j) => j.e164)).toEqual(started.slice(0, 2));
      const all = await longestWaiting(t.env.client, filter, { limit: 5, pageSize: 2 });
      expect(all).toMatchObject({ waiting: 3 });
      expect(all.journeys.map((j) => j.e164)).toEqual(started);
    });
  });
});
