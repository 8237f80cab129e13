// Drains the webhook inbox: the oldest due deliveries first, each read (it was verified when received) and handed to
// the workflows it concerns, then deleted. A delivery whose routing fails stays and is tried again later, backing
// off like Meta's own redelivery; the others go on meanwhile. Started with the service, it first drains what a
// previous process left.
import type { Logger } from 'pino';
import { readVerifiedWebhook, webhookEvents } from '../graph/webhooks.js';
import { bounded } from '../graph/webhook-limits.js';
import { handOver, type Route, type WebhookDeliveryOutcome } from './webhook-handover.js';
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
}

export interface WebhookDrain {
  /** Something was put in the inbox: drain it (a drain under way goes on to it). */
  wake(): void;
  /** Stops after the delivery being routed; what is left stays for the next start. */
  stop(): Promise<void>;
}

const BATCH = 100;
/**
 * The receiver goes first: while deliveries keep arriving (one in the last BUSY_MS), the drain routes a batch every
 * PACE_MS (up to 2,000 deliveries a second); a burst beyond that waits in the inbox (bounded: past maxPending the
 * receiver answers 503) and is routed at full speed once the receiver is quiet.
 */
const BUSY_MS = 20;
const PACE_MS = 50;

export function drainWebhookInbox({
  inbox,
  route,
  logger,
  delivered,
  retryMs = 1_000,
  maxRetryMs = 10 * 60_000,
}: WebhookDrainOptions): WebhookDrain {
  let draining: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let lastWake = 0;

  /** Routes one delivery; false when it must be tried again. */
  async function routeOne(delivery: InboxDelivery, batch: RoutingBatch): Promise<boolean> {
    const read = readVerifiedWebhook(delivery.body);
    if (!read.ok) {
      // Answered already; only a body the receiver read can be here, so this is a defect, not Meta's.
      logger.error({ reason: bounded(read.reason) }, 'webhook in the inbox could not be read; dropped');
      delivered?.('unusable');
      return true;
    }
    return handOver(webhookEvents(read.envelope, delivery.receivedAt), route, logger, delivered, batch);
  }

  async function drain(): Promise<void> {
    do {
      again = false;
      for (let due = inbox.dueAt(Date.now(), BATCH); due.length > 0 && !stopped;) {
        const batch = new RoutingBatch();
        const routed: number[] = [];
        for (const delivery of due) {
          if (stopped) break;
          if (await routeOne(delivery, batch)) routed.push(delivery.id);
          else postpone(delivery);
        }
        inbox.remove(routed);
        if (Date.now() - lastWake < BUSY_MS) await new Promise((resolve) => setTimeout(resolve, PACE_MS));
        else await new Promise((resolve) => setImmediate(resolve));
        due = inbox.dueAt(Date.now(), BATCH);
      }
    } while (again && !stopped);
  }

  function postpone(delivery: InboxDelivery): void {
    const wait = Math.min(maxRetryMs, retryMs * 2 ** Math.min(delivery.attempts, 20));
    inbox.retryAt(delivery.id, Date.now() + wait);
  }

  /** Postponed deliveries (or a drain that failed) are looked at again every retryMs. */
  function later(): void {
    if (stopped || retryTimer !== undefined || inbox.size === 0) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      start();
    }, retryMs);
    retryTimer.unref();
  }

  /** A delivery came in: the receiver is busy for the next BUSY_MS. */
  function wake(): void {
    lastWake = Date.now();
    start();
  }

  function start(): void {
    if (stopped) return;
    if (draining) {
      again = true;
      return;
    }
    draining = drain()
      .catch((err: unknown) => logger.error({ err }, 'the webhook inbox could not be drained; tried again later'))
      .finally(() => {
        draining = null;
        later();
      });
  }

  start(); // what a previous process left
  return {
    wake,
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      await draining;
    },
  };
}
