// The lanes of one page of the webhook inbox (src/http/webhook-lanes.ts): a delivery follows the older ones whose
// ordering keys conflict with its own (a number's follow each other, a WABA's follow all its numbers'), the others go
// alongside, and at most `limit` routings are under way, the rest waiting their turn in order. Tasks are gated by
// hand; no timer, no assertion on time.
import { describe, expect, it } from 'vitest';
import { Lanes } from '../../src/http/webhook-lanes.js';
import { gates, settle } from '../support/gates.js';

describe("a page's lanes", () => {
  it("runs a number's tasks in order, other numbers' alongside, a WABA's after all its numbers'", async () => {
    const lanes = new Lanes();
    const log: string[] = [];
    const [a1, a2, b, waba] = gates(log, 'a1', 'a2', 'b', 'waba');
    lanes.follow(['7/1'], a1.task);
    lanes.follow(['7/1'], a2.task);
    lanes.follow(['7/2'], b.task);
    lanes.follow(['7'], waba.task);
    await settle();
    expect(log).toEqual(['a1 started', 'b started']);
    b.open(); // the other number's task ends first: the WABA's still waits for number 1's
    await settle();
    expect(log).toEqual(['a1 started', 'b started', 'b ended']);
    a1.open();
    await settle();
    expect(log.slice(-2)).toEqual(['a1 ended', 'a2 started']);
    expect(log).not.toContain('waba started');
    a2.open();
    waba.open();
    await lanes.settled();
    expect(log.slice(-3)).toEqual(['a2 ended', 'waba started', 'waba ended']);
  });

  it('keeps at most its limit of routings under way, a freed place going to the oldest waiting', async () => {
    const lanes = new Lanes(2);
    const log: string[] = [];
    const [r1, r2, r3, r4, r5] = gates(log, 'r1', 'r2', 'r3', 'r4', 'r5');
    const routed = [r1, r2, r3, r4].map((r) => lanes.inPlace(r.task));
    await settle();
    expect(log).toEqual(['r1 started', 'r2 started']);
    r2.open();
    routed.push(lanes.inPlace(r5.task)); // comes as a place frees: behind r3 and r4 all the same
    await settle();
    expect(log).toEqual(['r1 started', 'r2 started', 'r2 ended', 'r3 started']);
    r1.open();
    await settle();
    expect(log.slice(-2)).toEqual(['r1 ended', 'r4 started']);
    for (const r of [r3, r4, r5]) r.open();
    await Promise.all(routed);
    expect(log.filter((line) => line.endsWith('started'))).toEqual([
      'r1 started',
      'r2 started',
      'r3 started',
      'r4 started',
      'r5 started',
    ]);
  });
});
