// Which deliveries wait in a walk of the webhook inbox (src/http/webhook-order.ts): a failed one holds back the later
// deliveries whose ordering keys conflict with its own (same number; a WABA's key and any number of it) until its time
// comes, a waiting one holds back each of its keys, and nothing leaves the drain a retry time that has passed (which
// would make it walk again and again). The keys an event gets: src/http/webhook-keys.ts.
import { describe, expect, it } from 'vitest';
import { backoffMs, DeliveryOrder } from '../../src/http/webhook-order.js';

describe('the order kept per number (and per WABA for WABA-wide events)', () => {
  it('holds back a failed number’s later deliveries, not those of another number of its WABA', () => {
    const order = new DeliveryOrder();
    expect(order.waits(1, ['7/1'], 0)).toBe(false);
    order.hold(1, ['7/1'], 1_000);
    expect(order.waits(2, ['7/2'], 0)).toBe(false); // another number of WABA 7
    expect(order.waits(3, ['7/1'], 0)).toBe(true);
    expect(order.waits(4, ['7'], 0)).toBe(true); // about the whole WABA: after its number 1
    expect(order.waits(5, ['7/2'], 0)).toBe(true); // … and so number 2's later one after that one
    expect(order.waits(6, ['8/1'], 0)).toBe(false); // the same digits in another WABA
  });

  it('holds back every number of a WABA behind a failed WABA-wide delivery, and no other WABA', () => {
    const order = new DeliveryOrder();
    expect(order.waits(1, ['7'], 0)).toBe(false);
    order.hold(1, ['7'], 1_000);
    expect(order.waits(2, ['7/1'], 0)).toBe(true);
    expect(order.waits(3, ['7/2'], 0)).toBe(true);
    expect(order.waits(4, ['8/1'], 0)).toBe(false);
    expect(order.waits(5, ['8'], 0)).toBe(false);
  });

  it('holds back the later deliveries of a failed one’s key, and those of every key of one that waits', () => {
    const order = new DeliveryOrder();
    expect(order.nextPageAfter(() => 0)).toBe(0);
    expect(order.waits(1, ['A/1'], 0)).toBe(false);
    order.hold(1, ['A/1'], 1_000);
    expect(order.waits(2, ['B/1'], 0)).toBe(false);
    expect(order.waits(3, ['A/1', 'C/1'], 0)).toBe(true); // behind 1 …
    expect(order.waits(4, ['C/1'], 0)).toBe(true); // … and so C's later one behind 3
    expect(order.waits(5, ['D/1'], 0)).toBe(false);
    expect(order.nextPageAfter(() => 0)).toBe(5); // a wake goes on after the last one looked at
    expect(order.nextRetryAt()).toBe(1_000);
  });

  it('walks from the oldest again when asked, tries the failed one at its time, and forgets it once out', () => {
    const order = new DeliveryOrder();
    order.waits(1, ['A/1'], 0);
    order.hold(1, ['A/1'], 1_000);
    order.waits(2, ['A/1'], 0);
    order.walkFromOldest();
    expect(order.nextPageAfter(() => 0)).toBe(0);
    expect(order.waits(1, ['A/1'], 500)).toBe(true); // not yet its time
    order.walkFromOldest();
    order.nextPageAfter(() => 0);
    expect(order.waits(1, ['A/1'], 1_000)).toBe(false); // its time: tried
    order.release(1); // routed
    expect(order.waits(2, ['A/1'], 1_000)).toBe(false);
    expect(order.nextRetryAt()).toBeNull();
  });

  it('leaves no past retry time for a failed one that waits behind an older one', () => {
    const order = new DeliveryOrder();
    order.waits(1, ['A/1'], 0);
    order.hold(1, ['A/1'], 10_000);
    order.waits(2, ['A/1'], 0); // waits behind 1
    order.hold(2, ['A/1'], 5_000); // (failed in an earlier walk, say)
    order.walkFromOldest();
    order.nextPageAfter(() => 0);
    expect(order.waits(1, ['A/1'], 6_000)).toBe(true);
    expect(order.waits(2, ['A/1'], 6_000)).toBe(true); // its time came, but 1 goes first
    expect(order.nextRetryAt()).toBe(10_000); // 1's: 2 is tried after it, not at a time already past
  });

  it('covers the whole inbox as it was when a walk began before starting over from the oldest', () => {
    const order = new DeliveryOrder();
    expect(order.nextPageAfter(() => 300)).toBe(0); // the first walk: 300 deliveries wait
    for (let id = 1; id <= 100; id++) order.waits(id, ['A/1'], 0); // a first page, all of one number
    order.hold(1, ['A/1'], 50); // the first failed; due again at 50
    // The page outlasted the backoff: the walk still goes on to the rest of the inbox, then starts over.
    expect(order.retryDueMidWalk(60)).toBe(false);
    for (let id = 101; id <= 300; id++) order.waits(id, ['B/1'], 60);
    expect(order.retryDueMidWalk(60)).toBe(true);
    order.walkFromOldest();
    expect(order.nextPageAfter(() => 400)).toBe(0); // 100 more came meanwhile: this walk covers them too
    for (let id = 1; id <= 100; id++) order.waits(id, ['A/1'], 60);
    order.hold(1, ['A/1'], 70);
    expect(order.retryDueMidWalk(80)).toBe(false);
    for (let id = 101; id <= 400; id++) order.waits(id, ['B/1'], 80);
    expect(order.retryDueMidWalk(80)).toBe(true);
  });

  it('backs off from 1 s, doubling, up to the most', () => {
    expect([1, 2, 3, 10, 11, 40].map((n) => backoffMs(n, 1_000, 600_000))).toEqual([
      1_000, 2_000, 4_000, 512_000, 600_000, 600_000,
    ]);
  });
});
