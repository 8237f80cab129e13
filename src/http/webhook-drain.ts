// Drains the webhook inbox in the order deliveries were received: each read (it was verified when received), handed
// to the workflows it concerns, then deleted. Meta's order matters per number (and per WABA for what concerns the
// whole WABA), not across them: a delivery whose routing fails holds back only the later deliveries about its numbers
// or WABA (./webhook-order.ts), tried again after its own backoff (1 s doubling up to 10 min), while every other
// delivery flows on; and within a page, deliveries about different numbers are routed at once (./webhook-lanes.ts),
// those about one number one after the other. Temporal being unavailable would fail every delivery alike: then the
// whole drain stops and backs off, and resumes from the oldest row. One
// that cannot be routed for good goes to the dead letters (./webhook-inbox.ts), where an admin sees, replays or
// discards it (./webhook-dead-letters.ts). Started with the service, it first drains what a previous process left.
import type { Logger } from 'pino';
import { readVerifiedWebhook, webhookEvents, type WebhookEvent } from '../graph/webhooks.js';
import { bounded } from '../graph/webhook-limits.js';
import { handOver, type HandOverResult, type Route, type WebhookDeliveryOutcome } from './webhook-handover.js';
import { orderKeys, type OrderKey } from './webhook-keys.js';
import { Lanes } from './webhook-lanes.js';
import { backoffMs, DeliveryOrder } from './webhook-order.js';
import { RoutingBatch } from './webhook-router.js';
import type { InboxDelivery, WebhookInbox } from './webhook-inbox.js';

export interface WebhookDrainOptions {
  inbox: WebhookInbox;
  route: Route;
  logger: Logger;
  delivered?: (outcome: WebhookDeliveryOutcome) => void;
  /** The first wait after a failed routing, doubled each time up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  /**
   * The longest wait of the whole drain after Temporal was unavailable: a try costs a frontend nothing, and a longer
   * wait outlasted the outage by minutes (deliveries on a quiet WABA reached their journeys that late).
   */
  maxUnavailableRetryMs?: number;
  /** How long stop() waits for the deliveries being routed; they stay in the inbox if cut short. */
  stopWaitMs?: number;
  /**
   * While the drain backs off after Temporal was unavailable, a new delivery tries it again early, once this long has
   * passed since the last try (so at most one try per this long, however many arrive).
   */
  wakeProbeMs?: number;
}

/** What became of a replayed dead letter within the wait: routed, back in the dead letters, or still waiting. */
export type ReplayOutcome =
  { outcome: 'routed' } | { outcome: 'dead_lettered'; reason: string } | { outcome: 'waiting'; reason: string };

export interface WebhookDrain {
  /** Something was put in the inbox: drain it (a drain under way goes on to it). */
  wake(): void;
  /**
   * Puts a dead letter back in the inbox under its own id and routes it, answering what became of it within
   * `waitMs`; null if there is no such dead letter; throws DrainStoppingError once the drain stops. Failing again
   * (not Temporal being unavailable), it goes straight back to the dead letters: a replay is one more try, not
   * another two hours of holding its number back.
   */
  replay(id: number, waitMs?: number): Promise<ReplayOutcome | null>;
  /** Stops after the deliveries being routed (waiting stopWaitMs at most); what is left stays for the next start. */
  stop(): Promise<void>;
}

/**
 * A delivery is given up on (dead-lettered) past Meta's own 7 days of redelivery, or after DEAD_AFTER_FAILURES
 * failures that were not Temporal being unavailable (a WABA whose owner Graph will not give, say): with the backoff
 * that is about an hour and three quarters of trying. Temporal being away counts only against the 7 days.
 */
export const DEAD_AFTER_MS = 7 * 24 * 60 * 60 * 1000;
export const DEAD_AFTER_FAILURES = 20;

/**
 * A page: up to BATCH deliveries, fewer once their bodies reach PAGE_BYTES (Meta's bodies are a few KiB, at most
 * 3 MiB). Each page costs the same few round trips whatever its size (a signal that finds a number's journey not
 * running is sent once per page): pages of 500 routed a backlog of 54,000 in 1.4–1.7 s, pages of 100 in 2.2–2.3 s.
 */
const BATCH = 500;
const PAGE_BYTES = 4 * 1024 * 1024;
/**
 * The receiver goes first: while deliveries keep arriving (one in the last BUSY_MS), the drain pauses after each page
 * for BUSY_PAUSE_MS per delivery it routed: up to 2,000 deliveries a second, a pause of a few milliseconds after the
 * few that came since the last page, 250 ms after a full page, which only a backlog fills. A burst beyond that waits
 * in the inbox and is routed at full speed once the receiver is quiet. Past FULL_SPEED_FILL of the inbox's room,
 * the drain no longer pauses: a stream that never quiets (a busy sender's statuses, above 2,000 a second) would
 * otherwise fill the inbox, and past its room the receiver answers 503.
 */
const BUSY_MS = 20;
const BUSY_PAUSE_MS = 0.5;
export const FULL_SPEED_FILL = 0.75;

/** How long the drain gives the receiver after routing a page. */
export function pauseAfterPage(page: { routed: number; busy: boolean; fill: number }): number {
  if (page.routed === 0 || !page.busy || page.fill >= FULL_SPEED_FILL) return 0;
  return page.routed * BUSY_PAUSE_MS;
}

/** A replay asked for while the service stops: the dead letter stays where it is. */
export class DrainStoppingError extends Error {
  override readonly name = 'DrainStoppingError';
  constructor() {
    super('the service is stopping; the dead letter stays as it is: replay it once the service is back');
  }
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A delivery's ordering keys, and its events when they were just read for them. */
type Keyed = { keys: OrderKey[]; events?: WebhookEvent[] };

export function drainWebhookInbox({
  inbox,
  route,
  logger,
  delivered,
  retryMs = 1_000,
  maxRetryMs = 10 * 60_000,
  maxUnavailableRetryMs = 30_000,
  stopWaitMs = 10_000,
  wakeProbeMs = 5_000,
}: WebhookDrainOptions): WebhookDrain {
  let draining: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let lastWake = 0;
  /** Drains in a row that stopped on Temporal being unavailable: the whole drain's backoff exponent. */
  let failedDrains = 0;
  let backingOff = false;
  /** When the last drain began: a backoff is cut short by a new delivery only wakeProbeMs after it. */
  let lastTry = 0;
  const order = new DeliveryOrder();
  /** Dead letters an admin put back, and who waits for what becomes of them. */
  const replayed = new Set<number>();
  const waiters = new Map<number, (outcome: ReplayOutcome) => void>();
  /**
   * The ordering keys of each delivery a walk has read and that is still in the inbox: a walk passes one that waits
   * without parsing its body again (thousands may wait behind one number). Bounded by the inbox's own bound.
   */
  const keysOf = new Map<number, OrderKey[]>();

  /** A delivery's events, or null (logged) when its body cannot be read. */
  function eventsOf(delivery: InboxDelivery): WebhookEvent[] | null {
    const read = readVerifiedWebhook(delivery.body);
    if (read.ok) return webhookEvents(read.envelope, delivery.receivedAt);
    // Answered already; only a body the receiver read can be here, so this is a defect, not Meta's.
    logger.error({ reason: bounded(read.reason) }, 'webhook in the inbox could not be read; dropped');
    delivered?.('unusable');
    return null;
  }

  /** Its keys (read once while it stays in the inbox), or null (logged) when its body cannot be read. */
  function keyed(delivery: InboxDelivery): Keyed | null {
    const known = keysOf.get(delivery.id);
    if (known) return { keys: known };
    const events = eventsOf(delivery);
    if (!events) return null;
    const keys = orderKeys(events);
    keysOf.set(delivery.id, keys);
    return { keys, events };
  }

  /** Books a hand-over's result: routed, given up on, or failed (held back until its time, unless Temporal was away). */
  function record(delivery: InboxDelivery, keys: OrderKey[], result: HandOverResult): HandOverResult | 'given up' {
    if (result === 'routed') {
      settle(delivery.id, { outcome: 'routed' });
      return result;
    }
    const reason = giveUp(delivery, result);
    if (reason !== null) {
      bury(delivery, reason);
      return 'given up';
    }
    inbox.failed(delivery.id, result === 'unavailable');
    // Its own failures only: attempts that met Temporal away say nothing of this delivery.
    if (result === 'failed')
      order.hold(delivery.id, keys, Date.now() + backoffMs(delivery.failures + 1, retryMs, maxRetryMs));
    return result;
  }

  /**
   * Routes a page of deliveries, several at once, each after the older ones about its numbers or WABA. Temporal
   * being unavailable would fail every delivery alike: once one met it, no other is started (those under way finish).
   */
  async function routePage(due: InboxDelivery[]): Promise<{ routed: number[]; unavailable: boolean }> {
    const lanes = new Lanes();
    const batch = new RoutingBatch();
    const routed: number[] = [];
    let unavailable = false;
    const halted = () => stopped || unavailable || lanes.failed;
    /** Asked once every older delivery it conflicts with has settled: only those can make it wait. */
    const walkOne = async (delivery: InboxDelivery, { keys, events }: Keyed) => {
      if (halted() || order.waits(delivery.id, keys, Date.now())) return;
      const read = events ?? eventsOf(delivery);
      // Booked before its place is given to the next: a failure stops the page before another starts.
      await lanes.inPlace(async () => {
        if (halted()) return; // left for a later walk
        // Its lines name the delivery and its failures so far: the ones a dead letter's id and reason come back to.
        const said = logger.child({ delivery: delivery.id, failures: delivery.failures });
        const result = read ? await handOver(read, route, said, delivered, batch) : 'routed';
        if (!inbox.isOpen) return; // stop() gave up waiting: the row stays for the next start
        const booked = record(delivery, keys, result);
        if (booked === 'routed') routed.push(delivery.id);
        if (booked === 'unavailable') unavailable = true;
      });
    };
    for (const delivery of due) {
      if (stopped) break;
      const read = keyed(delivery);
      if (read) lanes.follow(read.keys, () => walkOne(delivery, read));
      else {
        routed.push(delivery.id); // unreadable: dropped
        settle(delivery.id, { outcome: 'routed' });
      }
    }
    try {
      await lanes.settled();
    } catch (err) {
      // What was routed before the failure is settled already: out of the inbox, or the next walk routes it again.
      if (inbox.isOpen) inbox.remove(routed);
      throw err;
    }
    return { routed, unavailable };
  }

  /** Why a failed delivery is given up on now, or null to try it again. */
  function giveUp(delivery: InboxDelivery, result: HandOverResult): string | null {
    const failures = delivery.failures + (result === 'failed' ? 1 : 0);
    if (Date.now() - delivery.receivedAt > DEAD_AFTER_MS) return 'not routed in 7 days';
    if (result === 'failed' && replayed.has(delivery.id)) return 'replayed; routing failed again';
    if (failures >= DEAD_AFTER_FAILURES) return `routing failed ${failures} times`;
    return null;
  }

  /** Out of the inbox: routed or given up on. */
  function settle(id: number, outcome: ReplayOutcome): void {
    order.release(id);
    keysOf.delete(id);
    replayed.delete(id);
    waiters.get(id)?.(outcome);
  }

  function bury(delivery: InboxDelivery, reason: string): void {
    inbox.deadLetter(delivery.id, reason);
    // The body is Meta's (customers' messages): never logged.
    logger.error(
      { delivery: delivery.id, receivedAt: new Date(delivery.receivedAt).toISOString(), reason },
      'webhook delivery given up on; kept in the inbox dead letters',
    );
    delivered?.('dead_lettered');
    settle(delivery.id, { outcome: 'dead_lettered', reason });
  }

  /**
   * Walks the inbox by id, routing each delivery that does not wait for an older one of its numbers or WABA; false when
   * Temporal was unavailable and the whole drain must back off.
   */
  async function drain(): Promise<boolean> {
    do {
      again = false;
      const page = () => {
        // While deliveries keep arriving the drain never ends, and a held one's timer (later) is never set.
        if (order.retryDueMidWalk(Date.now())) order.walkFromOldest();
        return inbox.after(
          order.nextPageAfter(() => inbox.newestId()),
          BATCH,
          PAGE_BYTES,
        );
      };
      for (let due = page(); due.length > 0 && !stopped; due = page()) {
        const { routed, unavailable } = await routePage(due);
        if (!inbox.isOpen) return true; // stop() gave up waiting: the rows stay for the next start
        inbox.remove(routed);
        if (unavailable) return false;
        failedDrains = 0;
        // Paced only for work done: passing deliveries that wait costs the receiver nothing.
        const busy = Date.now() - lastWake < BUSY_MS;
        const wait = pauseAfterPage({ routed: routed.length, busy, fill: inbox.fill });
        if (wait > 0) await pause(wait);
        else await new Promise((resolve) => setImmediate(resolve));
        if (!inbox.isOpen) return true;
      }
      // The walk reached the newest delivery: a held one whose time came meanwhile is tried now, from the oldest.
      if (order.retryDue(Date.now())) {
        order.walkFromOldest();
        again = true;
      }
    } while (again && !stopped);
    return true;
  }

  /**
   * After Temporal was unavailable the whole drain waits, doubling; otherwise it waits for the first held delivery's
   * time. Either way the inbox is then walked from its oldest delivery, so that nothing older is overtaken.
   */
  function later(unavailable: boolean): void {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    if (stopped || inbox.size === 0) return;
    const next = order.nextRetryAt();
    if (!unavailable && next === null) return;
    backingOff = unavailable;
    const wait = unavailable
      ? Math.min(maxUnavailableRetryMs, maxRetryMs, retryMs * 2 ** Math.min(failedDrains++, 20))
      : Math.max(0, (next ?? 0) - Date.now());
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      backingOff = false;
      order.walkFromOldest();
      start();
    }, wait);
    retryTimer.unref();
  }

  /**
   * A delivery came in: the receiver is busy for the next BUSY_MS. While the drain backs off, it tries again early
   * once wakeProbeMs have passed since the last try: Meta's deliveries need not wait out the backoff's rest.
   */
  function wake(): void {
    lastWake = Date.now();
    if (backingOff && retryTimer !== undefined && lastWake - lastTry >= wakeProbeMs) {
      clearTimeout(retryTimer);
      retryTimer = undefined;
      backingOff = false;
      order.walkFromOldest();
    }
    start();
  }

  function start(): void {
    // While Temporal is unavailable, a new delivery waits for the drain's next try (or the probe above).
    if (stopped || backingOff) return;
    if (draining) {
      again = true;
      return;
    }
    lastTry = Date.now();
    let unavailable = false;
    draining = drain()
      .then((done) => void (unavailable = !done))
      .catch((err: unknown) => {
        unavailable = true; // backs off as a whole, as for Temporal being away
        logger.error({ err }, 'the webhook inbox could not be drained; tried again later');
      })
      .finally(() => {
        draining = null;
        later(unavailable);
      });
  }

  async function replay(id: number, waitMs = 10_000): Promise<ReplayOutcome | null> {
    if (stopped) throw new DrainStoppingError();
    if (!inbox.revive(id)) return null;
    replayed.add(id);
    const settled = new Promise<ReplayOutcome>((resolve) => waiters.set(id, resolve));
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<ReplayOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ outcome: 'waiting', reason: waitingReason(waitMs) }), waitMs);
    });
    order.walkFromOldest(); // it is older than the walk's cursor
    start();
    try {
      return await Promise.race([settled, waited]);
    } finally {
      clearTimeout(timer);
      waiters.delete(id);
    }
  }

  function waitingReason(waitMs: number): string {
    const why = backingOff
      ? 'Temporal cannot be reached now'
      : 'an older delivery of its number or WABA has not been routed yet, or the drain is busy';
    return `not routed within ${waitMs / 1000} s (${why}); it is routed in its turn`;
  }

  start(); // what a previous process left
  return {
    wake,
    replay,
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      for (const [, resolve] of waiters) resolve({ outcome: 'waiting', reason: 'the service is stopping' });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([draining, new Promise<void>((resolve) => (timer = setTimeout(resolve, stopWaitMs)))]);
      clearTimeout(timer);
    },
  };
}
