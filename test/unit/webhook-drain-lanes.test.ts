// The inbox's drain routes several deliveries at once and keeps Meta's order per number (src/http/webhook-drain.ts,
// webhook-lanes.ts, webhook-keys.ts): a failing delivery holds back only the later ones about its number — or, about
// the whole WABA, those of every number of it; a failing cap, only the WABA's later caps — and a number's deliveries reach the router in the inbox's order
// however long each routing takes. The inbox is a real SQLite file; the router is a function that records, fails or
// hangs on command (routing to Temporal is tested in test/http/webhook-inbox*.test.ts). Each wait is bounded; no
// assertion is on time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebhookEvent } from '../../src/graph/webhooks.js';
import { drainWebhookInbox } from '../../src/http/webhook-drain.js';
import { RouteAgainSoon, type Route, type WebhookDeliveryOutcome } from '../../src/http/webhook-handover.js';
import { WebhookInbox } from '../../src/http/webhook-inbox.js';
import { ROUTES_AT_ONCE } from '../../src/http/webhook-lanes.js';
import { eventually } from '../http/inbox-support.js';

/** Each delivery's place in a test, carried in its entry.time (seconds after `since`). */
const since = Math.floor(Date.now() / 1000) - 24 * 60 * 60;

/**
 * One change about `number` of `waba`; about the whole WABA (an account update) when there is none; or the WABA's
 * portfolio's cap (a capability update) with `cap`.
 */
type Target = { waba: string; number?: string; cap?: true };

function body(tag: number, ...targets: Target[]): Buffer {
  const entry = targets.map(({ waba, number, cap }) => ({
    id: waba,
    time: since + tag,
    changes: [
      cap
        ? { field: 'business_capability_update', value: { max_phone_numbers_per_business: 25 } }
        : number === undefined
          ? { field: 'account_update', value: { event: 'VERIFIED_ACCOUNT' } }
          : { field: 'phone_number_quality_update', value: { display_phone_number: number, event: 'ONBOARDING' } },
    ],
  }));
  return Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry }));
}

/** What a routed event is about, and the place of its delivery. */
function seen(event: WebhookEvent): { target: string; tag: number } {
  const tag = (event.time ?? 0) - since;
  if (event.field === 'phone_number_quality_update')
    return { target: `${event.wabaId}/${event.value.display_phone_number}`, tag };
  if (event.field === 'business_capability_update') return { target: `cap:${event.wabaId}`, tag };
  return { target: event.wabaId, tag };
}

/** Whether two targets must keep their order: the same, or a WABA and one of its numbers. */
const conflict = (a: string, b: string) => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);

const unavailable = () => new Error('14 UNAVAILABLE: Temporal cannot be reached (injected)');

describe('the webhook drain routing in parallel, in order per number', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup.length = 0;
  });

  /**
   * An inbox holding `deliveries` (in this order) and a drain on it whose router is `routing`. `arrived` lists the
   * places of the events the router was given, in the order given; `routed` those it routed without throwing;
   * `steps` when each routing began and ended.
   */
  async function stand(
    deliveries: Buffer[],
    routing: (event: WebhookEvent) => Promise<void>,
    options: { retryMs?: number; delivered?: (outcome: WebhookDeliveryOutcome) => void } = {},
  ) {
    const dir = mkdtempSync(join(tmpdir(), 'drain-lanes-'));
    const inbox = WebhookInbox.open(join(dir, 'inbox.sqlite'));
    for (const delivery of deliveries) await inbox.put(delivery, Date.now());
    const arrived: { target: string; tag: number }[] = [];
    const routed: number[] = [];
    const steps: { tag: number; step: 'began' | 'ended' }[] = [];
    let inFlight = 0;
    let mostAtOnce = 0;
    const route = (async (event: WebhookEvent) => {
      arrived.push(seen(event));
      steps.push({ tag: seen(event).tag, step: 'began' });
      mostAtOnce = Math.max(mostAtOnce, ++inFlight);
      try {
        await routing(event);
        routed.push(seen(event).tag);
        return [];
      } finally {
        inFlight--;
        steps.push({ tag: seen(event).tag, step: 'ended' });
      }
    }) as unknown as Route;
    const start = () =>
      drainWebhookInbox({
        inbox,
        route,
        logger: pino({ level: 'silent' }),
        retryMs: options.retryMs ?? 20,
        maxRetryMs: options.retryMs ?? 20,
        delivered: options.delivered,
      });
    let drain = start();
    cleanup.push(async () => {
      await drain.stop();
      inbox.close();
      rmSync(dir, { recursive: true, force: true });
    });
    /** Stops this drain and starts another on the same inbox, as a restart of the service would. */
    const restart = async () => {
      await drain.stop();
      drain = start();
    };
    return { inbox, arrived, routed, steps, mostAtOnce: () => mostAtOnce, restart };
  }

  /** A stand whose router refuses the first delivery (tag 1) until mended. */
  async function firstFailing(deliveries: Buffer[]) {
    let broken = true;
    let failures = 0;
    const run = await stand(deliveries, async (event) => {
      if (broken && seen(event).tag === 1) throw (failures++, new Error('refused (test)'));
    });
    return {
      ...run,
      /** Waits until `count` deliveries are routed and the first one was tried again meanwhile. */
      othersRouted: (count: number) =>
        eventually(() => run.routed.length === count && failures >= 2, 'the others routed while the first is retried'),
      /** The first one can be routed now: waits until the inbox is empty. */
      mend: async () => {
        broken = false;
        await eventually(() => run.inbox.size === 0, 'the inbox emptied');
      },
    };
  }

  it('holds back a failing number’s later delivery and routes another number of its WABA at once', async () => {
    const [waba, other] = ['201', '202'];
    const { inbox, routed, othersRouted, mend } = await firstFailing([
      body(1, { waba, number: '15550000001' }),
      body(2, { waba, number: '15550000001' }),
      body(3, { waba, number: '15550000002' }),
      body(4, { waba: other, number: '15550000001' }),
    ]);
    await othersRouted(2);
    expect([...routed].sort()).toEqual([3, 4]);
    expect(inbox.size).toBe(2);
    await mend();
    expect(routed.slice(2)).toEqual([1, 2]);
    expect(inbox.deadLetters()).toEqual([]);
  });

  it('holds back every number of a WABA behind its failing WABA-wide delivery; another WABA flows', async () => {
    const [waba, other] = ['211', '212'];
    const { inbox, routed, othersRouted, mend } = await firstFailing([
      body(1, { waba }),
      body(2, { waba, number: '15550000001' }),
      body(3, { waba, number: '15550000002' }),
      body(4, { waba: other, number: '15550000001' }),
      body(5, { waba: other }),
    ]);
    await othersRouted(2);
    expect(routed).toEqual([4, 5]); // the other WABA's in order: its WABA-wide one after its number's
    expect(inbox.size).toBe(3);
    await mend();
    expect(routed[2]).toBe(1);
    expect(routed.slice(3).sort()).toEqual([2, 3]); // two numbers: either first
  });

  it('holds back a later WABA-wide delivery, and the numbers after it, behind a failing number', async () => {
    const [waba, other] = ['221', '222'];
    const { inbox, routed, othersRouted, mend } = await firstFailing([
      body(1, { waba, number: '15550000001' }),
      body(2, { waba }),
      body(3, { waba, number: '15550000002' }),
      body(4, { waba: other, number: '15550000002' }),
    ]);
    await othersRouted(1);
    expect(routed).toEqual([4]);
    expect(inbox.size).toBe(3);
    await mend();
    expect(routed).toEqual([4, 1, 2, 3]);
  });

  it('holds back only the later caps of a WABA behind its failing cap: its numbers and account updates flow', async () => {
    const waba = '226';
    const { inbox, routed, othersRouted, mend } = await firstFailing([
      body(1, { waba, cap: true }),
      body(2, { waba, number: '15550000001' }),
      body(3, { waba }),
      body(4, { waba, cap: true }),
      body(5, { waba, number: '15550000002' }),
    ]);
    await othersRouted(3);
    expect([...routed].sort()).toEqual([2, 3, 5]);
    expect(inbox.size).toBe(2);
    await mend();
    expect(routed.slice(3)).toEqual([1, 4]);
  });

  it('gives each number its deliveries in the inbox’s order while routing several at once', async () => {
    const targets = fc.oneof(
      {
        weight: 9,
        arbitrary: fc.record({
          waba: fc.constantFrom('231', '232'),
          number: fc.constantFrom('1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'),
        }),
      },
      { weight: 1, arbitrary: fc.record({ waba: fc.constantFrom('231', '232') }) },
      { weight: 1, arbitrary: fc.record({ waba: fc.constantFrom('231', '232'), cap: fc.constant(true as const) }) },
    );
    let mostAtOnce = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(targets, fc.nat(4)), { minLength: 40, maxLength: 120 }), async (plan) => {
        const delays = new Map(plan.map(([, delay], i) => [i + 1, delay]));
        const run = await stand(
          plan.map(([target], i) => body(i + 1, target)),
          (event) => new Promise((resolve) => setTimeout(resolve, delays.get(seen(event).tag))),
        );
        await eventually(() => run.inbox.size === 0, 'the inbox emptied');
        mostAtOnce = Math.max(mostAtOnce, run.mostAtOnce());
        expect([...run.routed].sort((a, b) => a - b)).toEqual(plan.map((_, i) => i + 1)); // each once
        // A later delivery about the same number (or its WABA) begins only once the older one's routing ended.
        const at = (tag: number, step: 'began' | 'ended') =>
          run.steps.findIndex((s) => s.tag === tag && s.step === step);
        for (const [i, [a]] of plan.entries())
          for (const [j, [b]] of plan.entries())
            if (i < j && conflict(keyOf(a), keyOf(b))) expect(at(i + 1, 'ended')).toBeLessThan(at(j + 1, 'began'));
        for (const step of cleanup.splice(0).reverse()) await step();
      }),
      { numRuns: 8, seed: 20261203 },
    );
    expect(mostAtOnce).toBeGreaterThan(1);
    expect(mostAtOnce).toBeLessThanOrEqual(ROUTES_AT_ONCE);
  });

  it('stops a page when Temporal is unavailable: in-flight ones finish, none starts, nothing is lost or doubled', async () => {
    const waba = '241';
    const numbers = Array.from({ length: 20 }, (_, i) => `1555000${String(i + 1).padStart(4, '0')}`);
    // 20 numbers, then the first one's second delivery: more than can be routed at once.
    const deliveries = [
      ...numbers.map((number, i) => body(i + 1, { waba, number })),
      body(21, { waba, number: numbers[0] }),
    ];
    const hanging = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
    let restarted = false;
    const outcomes: WebhookDeliveryOutcome[] = [];
    const { inbox, arrived, routed, restart } = await stand(
      deliveries,
      (event) =>
        restarted
          ? Promise.resolve()
          : new Promise<void>((resolve, reject) => hanging.set(seen(event).tag, { resolve, reject })),
      // The drain's own retry would come after a minute: this test restarts it instead.
      { retryMs: 60_000, delivered: (outcome) => outcomes.push(outcome) },
    );
    await eventually(() => hanging.size === ROUTES_AT_ONCE, 'as many routed at once as allowed');
    hanging.get(1)!.reject(unavailable());
    await eventually(() => outcomes.includes('routing_failed'), 'the first one failed');
    for (const [tag, { resolve }] of hanging) if (tag !== 1) resolve();
    await eventually(() => inbox.size === 1 + (20 - ROUTES_AT_ONCE) + 1, 'the routed ones removed');
    expect(arrived).toHaveLength(ROUTES_AT_ONCE); // none started after the failure
    expect([...routed].sort((a, b) => a - b)).toEqual(Array.from({ length: ROUTES_AT_ONCE - 1 }, (_, i) => i + 2));
    restarted = true;
    await restart();
    await eventually(() => inbox.size === 0, 'the rest routed');
    expect(routed.slice(ROUTES_AT_ONCE - 1).sort((a, b) => a - b)).toEqual([1, 17, 18, 19, 20, 21]);
    expect(routed.indexOf(1)).toBeLessThan(routed.indexOf(21)); // the first number's two in order
    expect(new Set(routed).size).toBe(21); // each routed once
  });

  it('routes a change held back (it waits for what is under way) again shortly, counted as held back, not failed', async () => {
    const waba = '251';
    let heldOnce = false;
    const outcomes: WebhookDeliveryOutcome[] = [];
    const { inbox, routed } = await stand(
      [body(1, { waba, number: '15551000001' })],
      async () => {
        if (heldOnce) return;
        heldOnce = true;
        throw new RouteAgainSoon('the answer it waits for is not stored yet');
      },
      { delivered: (outcome) => outcomes.push(outcome) },
    );
    await eventually(() => inbox.size === 0, 'routed on its second try');
    expect(routed).toEqual([1]);
    expect(outcomes).toEqual(['held_back', 'routed']);
  });

  it('stops a page when its bookkeeping throws, and routes none of it twice', async () => {
    const waba = '241';
    const numbers = Array.from({ length: 40 }, (_, i) => `1555100${String(i + 1).padStart(4, '0')}`);
    let thrown = false;
    // The bookkeeping of the first routed delivery throws once (as a full disk under the inbox might).
    const { inbox, routed } = await stand(
      numbers.map((number, i) => body(i + 1, { waba, number })),
      () => new Promise((resolve) => setTimeout(resolve, 5)),
      {
        delivered: (outcome) => {
          if (outcome === 'routed' && !thrown) throw ((thrown = true), new Error('the bookkeeping failed (test)'));
        },
      },
    );
    await eventually(() => inbox.size === 0, 'all routed after the drain backed off');
    expect(thrown).toBe(true);
    // Routed before the failure and removed, or left for the next walk: each reached the router once, but the one
    // whose bookkeeping threw (it stays in the inbox and is routed again).
    expect(routed).toHaveLength(41);
    expect(new Set(routed).size).toBe(40);
  });
});

function keyOf(target: Target): string {
  if (target.cap) return `cap:${target.waba}`;
  return target.number === undefined ? target.waba : `${target.waba}/${target.number}`;
}
