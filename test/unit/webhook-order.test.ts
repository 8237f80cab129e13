// Which deliveries wait in a walk of the webhook inbox (src/http/webhook-order.ts): a failed one holds back the later
// deliveries of its WABAs until its time comes, a waiting one holds back each of its WABAs, and nothing leaves the
// drain a retry time that has passed (which would make it walk again and again).
import { describe, expect, it } from 'vitest';
import { backoffMs, WabaOrder } from '../../src/http/webhook-order.js';

describe('the order kept per WABA', () => {
  it('holds back the later deliveries of a failed one’s WABA, and those of every WABA of one that waits', () => {
    const order = new WabaOrder();
    expect(order.nextPageAfter()).toBe(0);
    expect(order.waits(1, ['A'], 0)).toBe(false);
    order.hold(1, ['A'], 1_000);
    expect(order.waits(2, ['B'], 0)).toBe(false);
    expect(order.waits(3, ['A', 'C'], 0)).toBe(true); // behind 1 …
    expect(order.waits(4, ['C'], 0)).toBe(true); // … and so C's later one behind 3
    expect(order.waits(5, ['D'], 0)).toBe(false);
    expect(order.nextPageAfter()).toBe(5); // a wake goes on after the last one looked at
    expect(order.nextRetryAt()).toBe(1_000);
  });

  it('walks from the oldest again when asked, tries the failed one at its time, and forgets it once out', () => {
    const order = new WabaOrder();
    order.waits(1, ['A'], 0);
    order.hold(1, ['A'], 1_000);
    order.waits(2, ['A'], 0);
    order.walkFromOldest();
    expect(order.nextPageAfter()).toBe(0);
    expect(order.waits(1, ['A'], 500)).toBe(true); // not yet its time
    order.walkFromOldest();
    order.nextPageAfter();
    expect(order.waits(1, ['A'], 1_000)).toBe(false); // its time: tried
    order.release(1); // routed
    expect(order.waits(2, ['A'], 1_000)).toBe(false);
    expect(order.nextRetryAt()).toBeNull();
  });

  it('leaves no past retry time for a failed one that waits behind an older one', () => {
    const order = new WabaOrder();
    order.waits(1, ['A'], 0);
    order.hold(1, ['A'], 10_000);
    order.waits(2, ['A'], 0); // waits behind 1
    order.hold(2, ['A'], 5_000); // (failed in an earlier walk, say)
    order.walkFromOldest();
    order.nextPageAfter();
    expect(order.waits(1, ['A'], 6_000)).toBe(true);
    expect(order.waits(2, ['A'], 6_000)).toBe(true); // its time came, but 1 goes first
    expect(order.nextRetryAt()).toBe(10_000); // 1's: 2 is tried after it, not at a time already past
  });

  it('backs off from 1 s, doubling, up to the most', () => {
    expect([1, 2, 3, 10, 11, 40].map((n) => backoffMs(n, 1_000, 600_000))).toEqual([
      1_000, 2_000, 4_000, 512_000, 600_000, 600_000,
    ]);
  });
});
