// The inbox's drain under deliveries that never stop (src/http/webhook-drain.ts): a failed delivery is tried again at
// its time although the drain never ends, and thousands waiting behind one WABA do not keep the others waiting. The
// inbox is a real SQLite file; the router is a function that refuses one WABA (routing to Temporal is tested in
// test/http/webhook-inbox*.test.ts). Each wait is bounded; no assertion is on time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebhookEvent } from '../../src/graph/webhooks.js';
import {
  drainWebhookInbox,
  FULL_SPEED_FILL,
  pauseAfterPage,
  type WebhookDrain,
  type WebhookDrainOptions,
} from '../../src/http/webhook-drain.js';
import type { Route } from '../../src/http/webhook-handover.js';
import { WebhookInbox } from '../../src/http/webhook-inbox.js';

/** Three WABAs (Graph's ids are numeric: the ordering keys ignore any other). */
const [A, B, C] = ['101', '102', '103'] as const;

const delivery = (wabaId: string) =>
  Buffer.from(
    JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: wabaId,
          changes: [
            { field: 'phone_number_quality_update', value: { display_phone_number: '15550000001', event: 'FLAGGED' } },
          ],
        },
      ],
    }),
  );

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the webhook drain while deliveries keep arriving', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup.length = 0;
  });

  /** An inbox in a folder of its own and its drain through `route`, stopped and removed after the test. */
  function drainOf(route: Route, options: Partial<WebhookDrainOptions>) {
    const dir = mkdtempSync(join(tmpdir(), 'drain-traffic-'));
    const inbox = WebhookInbox.open(join(dir, 'inbox.sqlite'));
    const drain: WebhookDrain = drainWebhookInbox({ inbox, route, logger: pino({ level: 'silent' }), ...options });
    cleanup.push(async () => {
      await drain.stop();
      inbox.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return { inbox, drain };
  }

  /** An inbox and its drain whose router refuses WABA A while `refuseA()` says so, and counts what it routed. */
  function stand(refuseA: () => boolean) {
    const routed = new Map<string, number>();
    let triesOfA = 0;
    const route = (async (event: WebhookEvent) => {
      if (event.wabaId === A && (triesOfA++, refuseA())) throw new Error('refused (test)');
      routed.set(event.wabaId, (routed.get(event.wabaId) ?? 0) + 1);
      return [];
    }) as unknown as Route;
    const { inbox, drain } = drainOf(route, { retryMs: 50, maxRetryMs: 50 });
    const put = async (wabaId: string) => {
      await inbox.put(delivery(wabaId), Date.now());
      drain.wake();
    };
    return { inbox, drain, routed, put, tries: () => triesOfA };
  }

  /** Puts a delivery of `wabaId` every 10 ms until `done` holds (at most 20 s); true if it came to hold. */
  async function steadyTraffic(put: (wabaId: string) => Promise<void>, wabaId: string, done: () => boolean) {
    for (let i = 0; i < 2_000 && !done(); i++) {
      await put(wabaId);
      await pause(10);
    }
    return done();
  }

  it('tries a failed delivery again at its time though the drain never ends, and routes it once it can', async () => {
    let refusals = 3;
    const { put, routed } = stand(() => refusals-- > 0);
    await put(A);
    // Before the fix the failed delivery waited for the receiver to be quiet: under steady traffic, never.
    expect(await steadyTraffic(put, B, () => routed.has(A))).toBe(true);
    expect(routed.get(B)).toBeGreaterThan(0);
  });

  it('routes another WABA’s delivery while thousands wait behind a WABA that keeps failing', async () => {
    const { inbox, put, routed, tries } = stand(() => true);
    for (let i = 0; i < 3_000; i++) await inbox.put(delivery(A), Date.now());
    await put(A);
    for (let i = 0; i < 200 && tries() < 2; i++) await pause(50); // A's oldest failed and was tried again
    expect(tries()).toBeGreaterThanOrEqual(2);
    // Walking again from the oldest at every retry (50 ms) would never reach the newest deliveries.
    let routedB = false;
    const traffic = steadyTraffic(put, C, () => routedB);
    await put(B);
    for (let i = 0; i < 400 && !routed.has(B); i++) await pause(50);
    routedB = true;
    await traffic;
    expect(routed.get(B)).toBe(1);
    expect(inbox.size).toBeGreaterThan(3_000); // A's all still there, in order, behind the first
  });

  it('tries again at least every maxUnavailableRetryMs while Temporal is away, so its return is not outwaited', async () => {
    let away = true;
    let tries = 0;
    const route = (async () => {
      tries++;
      if (away) throw new Error('14 UNAVAILABLE: No connection established (test)');
      return [];
    }) as unknown as Route;
    // Doubling from 20 ms with no cap of its own but 10 minutes: past ten failures a wait would be over 20 s.
    const { inbox, drain } = drainOf(route, { retryMs: 20, maxUnavailableRetryMs: 100 });
    await inbox.put(delivery(A), Date.now());
    drain.wake();
    for (let i = 0; i < 400 && tries < 12; i++) await pause(25);
    expect(tries).toBeGreaterThanOrEqual(12);
    away = false; // Temporal is back; no new delivery comes to wake the drain
    for (let i = 0; i < 400 && inbox.size > 0; i++) await pause(25);
    expect(inbox.size).toBe(0);
  });

  it('reads pages that end once their bodies reach 4 MiB, and routes every delivery', async () => {
    const { inbox, put, routed } = stand(() => false);
    const pages: number[] = [];
    const after = inbox.after.bind(inbox);
    inbox.after = (...page) => {
      const read = after(...page);
      if (read.length > 0) pages.push(read.length);
      return read;
    };
    const large = (wabaId: string) => {
      const body = JSON.parse(delivery(wabaId).toString()) as Record<string, unknown>;
      return Buffer.from(JSON.stringify({ ...body, padding: 'x'.repeat(1.5 * 1024 * 1024) }));
    };
    for (const wabaId of [A, B, C]) await inbox.put(large(wabaId), Date.now());
    await put(A); // a small one, and the wake
    for (let i = 0; i < 200 && inbox.size > 0; i++) await pause(25);
    expect(inbox.size).toBe(0);
    expect(pages).toEqual([3, 1]); // the third reached the bound: 4.5 MiB
    expect([routed.get(A), routed.get(B), routed.get(C)]).toEqual([2, 1, 1]);
  });

  it('pauses 0.5 ms per delivery routed while the receiver is busy, none once the inbox is 3/4 full', () => {
    expect(pauseAfterPage({ routed: 500, busy: true, fill: 0.5 })).toBe(250); // 2,000 a second
    expect(pauseAfterPage({ routed: 2, busy: true, fill: 0 })).toBe(1); // a lone webhook is not held back
    expect(pauseAfterPage({ routed: 500, busy: false, fill: 0.5 })).toBe(0); // quiet: full speed
    expect(pauseAfterPage({ routed: 0, busy: true, fill: 0.5 })).toBe(0); // passing waiting ones costs nothing
    expect(pauseAfterPage({ routed: 500, busy: true, fill: FULL_SPEED_FILL })).toBe(0); // a stream that never quiets
  });

  it('says how full the inbox is against its room', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drain-fill-'));
    const inbox = WebhookInbox.open(join(dir, 'inbox.sqlite'), { maxPending: 8 });
    try {
      expect(inbox.fill).toBe(0);
      for (let i = 0; i < 6; i++) await inbox.put(delivery(A), Date.now());
      expect(inbox.fill).toBe(0.75);
      inbox.remove(inbox.oldest(2).map((d) => d.id));
      expect(inbox.fill).toBe(0.5);
    } finally {
      inbox.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
