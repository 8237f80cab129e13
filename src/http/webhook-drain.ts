// Drains the webhook inbox in the order deliveries were received: each read (it was verified when received), handed
// to the workflows it concerns, then deleted. When one's routing fails the drain stops there and backs off whole
// (1 s doubling up to 10 min), so that no later delivery overtakes it: the retry resumes from the oldest row. One
// that cannot be routed for good goes to the dead letters (./webhook-inbox.ts) so that it blocks the rest no longer.
// Started with the service, it first drains what a previous process left.
import type { Logger } from 'pino';
import { readVerifiedWebhook, webhookEvents } from '../graph/webhooks.js';
import { bounded } from '../graph/webhook-limits.js';
import { handOver, type HandOverResult, type Route, type WebhookDeliveryOutcome } from './webhook-handover.js';
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
  /** How long stop() waits for the delivery being routed; it stays in the inbox if cut short. */
  stopWaitMs?: number;
}

export interface WebhookDrain {
  /** Something was put in the inbox: drain it (a drain under way goes on to it). */
  wake(): void;
  /** Stops after the delivery being routed (waiting stopWaitMs at most); what is left stays for the next start. */
  stop(): Promise<void>;
}

/**
 * A delivery is given up on (dead-lettered) past Meta's own 7 days of redelivery, or after DEAD_AFTER_FAILURES
 * failures that were not Temporal being unavailable (a WABA whose owner Graph will not give, say): with the backoff
 * that is about an hour and a half of trying. Temporal being away counts only against the 7 days.
 */
export const DEAD_AFTER_MS = 7 * 24 * 60 * 60 * 1000;
export const DEAD_AFTER_FAILURES = 20;

const BATCH = 100;
/**
 * The receiver goes first: while deliveries keep arriving (one in the last BUSY_MS), the drain routes a batch every
 * PACE_MS (up to 2,000 deliveries a second); a burst beyond that waits in the inbox (bounded: past maxPending the
 * receiver answers 503) and is routed at full speed once the receiver is quiet.
 */
const BUSY_MS = 20;
const PACE_MS = 50;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function drainWebhookInbox({
  inbox,
  route,
  logger,
  delivered,
  retryMs = 1_000,
  maxRetryMs = 10 * 60_000,
  stopWaitMs = 10_000,
}: WebhookDrainOptions): WebhookDrain {
  let draining: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let lastWake = 0;
  /** Failed drains in a row: the backoff's exponent. */
  let failedDrains = 0;
  let backingOff = false;

  async function routeOne(delivery: InboxDelivery, batch: RoutingBatch): Promise<HandOverResult> {
    const read = readVerifiedWebhook(delivery.body);
    if (!read.ok) {
      // Answered already; only a body the receiver read can be here, so this is a defect, not Meta's.
      logger.error({ reason: bounded(read.reason) }, 'webhook in the inbox could not be read; dropped');
      delivered?.('unusable');
      return 'routed';
    }
    return handOver(webhookEvents(read.envelope, delivery.receivedAt), route, logger, delivered, batch);
  }

  /** Why a failed delivery is given up on now, or null to try it again. */
  function giveUp(delivery: InboxDelivery, result: HandOverResult): string | null {
    const failures = delivery.failures + (result === 'failed' ? 1 : 0);
    if (Date.now() - delivery.receivedAt > DEAD_AFTER_MS) return 'not routed in 7 days';
    if (failures >= DEAD_AFTER_FAILURES) return `routing failed ${failures} times`;
    return null;
  }

  /** Routes the oldest deliveries in order; false when one failed and the drain must back off. */
  async function drain(): Promise<boolean> {
    do {
      again = false;
      for (let due = inbox.oldest(BATCH); due.length > 0 && !stopped; due = inbox.oldest(BATCH)) {
        const batch = new RoutingBatch();
        const routed: number[] = [];
        let blocked = false;
        for (const delivery of due) {
          if (stopped) break;
          const result = await routeOne(delivery, batch);
          if (!inbox.isOpen) return true; // stop() gave up waiting: the row stays for the next start
          if (result === 'routed') {
            routed.push(delivery.id);
            continue;
          }
          const reason = giveUp(delivery, result);
          if (reason === null) {
            inbox.failed(delivery.id, result === 'unavailable');
            blocked = true;
            break;
          }
          inbox.deadLetter(delivery.id, reason);
          // The body is Meta's (customers' messages): never logged.
          logger.error(
            { delivery: delivery.id, receivedAt: new Date(delivery.receivedAt).toISOString(), reason },
            'webhook delivery given up on; kept in the inbox dead letters',
          );
          delivered?.('dead_lettered');
        }
        inbox.remove(routed);
        if (blocked) return false;
        failedDrains = 0;
        if (Date.now() - lastWake < BUSY_MS) await pause(PACE_MS);
        else await new Promise((resolve) => setImmediate(resolve));
        if (!inbox.isOpen) return true;
      }
    } while (again && !stopped);
    return true;
  }

  /** After a failure the whole drain waits, doubling; otherwise what is left (a failed drain) is looked at again. */
  function later(failed: boolean): void {
    if (stopped || retryTimer !== undefined || inbox.size === 0) return;
    backingOff = failed;
    const wait = failed ? Math.min(maxRetryMs, retryMs * 2 ** Math.min(failedDrains++, 20)) : retryMs;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      backingOff = false;
      start();
    }, wait);
    retryTimer.unref();
  }

  /** A delivery came in: the receiver is busy for the next BUSY_MS. */
  function wake(): void {
    lastWake = Date.now();
    start();
  }

  function start(): void {
    // While backing off, a new delivery waits its turn behind the one that failed.
    if (stopped || backingOff) return;
    if (draining) {
      again = true;
      return;
    }
    let failed = false;
    draining = drain()
      .then((done) => void (failed = !done))
      .catch((err: unknown) => {
        failed = true;
        logger.error({ err }, 'the webhook inbox could not be drained; tried again later');
      })
      .finally(() => {
        draining = null;
        later(failed);
      });
  }

  start(); // what a previous process left
  return {
    wake,
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([draining, new Promise<void>((resolve) => (timer = setTimeout(resolve, stopWaitMs)))]);
      clearTimeout(timer);
    },
  };
}
