// Handing a delivery's events to the workflows they concern: every change routed on its own, in Meta's order, the
// batch logged in a bounded record. Shared by the receiver (routing before it answers) and the inbox's drain.
import type { Logger } from 'pino';
import { MissingTokenError } from '../graph/tokens.js';
import { bounded } from '../graph/webhook-limits.js';
import type { WebhookEvent } from '../graph/webhooks.js';
import { storeNotAnswering } from '../stores/unavailable.js';
import { temporalNotAnswering, temporalRefusedRequest } from '../temporal/unanswered.js';
import type { createWebhookRouter, RoutedEvent, RoutingBatch } from './webhook-router.js';

export type Route = ReturnType<typeof createWebhookRouter>;

/**
 * How a delivery (one POST) went: routed, routing_failed (delivered again), held_back (a change of it waits for what
 * is under way: delivered again shortly), queued (in the inbox, routed after the answer), inbox_full (503: Meta
 * delivers again), not_kept (503: the inbox could not write it, a full disk say; Meta delivers again), dead_lettered (the inbox gave up on it), or refused (bad_signature, too_large, unusable).
 */
export type WebhookDeliveryOutcome =
  | 'routed'
  | 'routing_failed'
  | 'held_back'
  | 'queued'
  | 'inbox_full'
  | 'not_kept'
  | 'dead_lettered'
  | 'bad_signature'
  | 'too_large'
  | 'unusable';

/**
 * A change that cannot be routed yet, but will be shortly (what it waits for is under way): the delivery is tried
 * again after the inbox's first backoff (a second), or delivered again by Meta. Logged at info, not as a failure.
 */
export class RouteAgainSoon extends Error {
  override readonly name = 'RouteAgainSoon';
}

/** Every change routed; or some failed, only because Temporal could not be reached (`unavailable`) or otherwise. */
export type HandOverResult = 'routed' | 'unavailable' | 'failed';

/** Routes and logs a delivery's events (a failed one is delivered again whole). */
export async function handOver(
  events: WebhookEvent[],
  route: Route,
  logger: Logger,
  delivered?: (outcome: WebhookDeliveryOutcome) => void,
  batch?: RoutingBatch,
): Promise<HandOverResult> {
  const { routed, failed, held, otherwise } = await routeEach(events, route, logger, batch);
  logger[routingLogLevel(routed)](summary(routed), failed === 0 ? 'webhook routed' : 'webhook not wholly routed');
  delivered?.(failed === 0 ? 'routed' : failed === held ? 'held_back' : 'routing_failed');
  return failed === 0 ? 'routed' : otherwise ? 'failed' : 'unavailable';
}

/** Routes every change on its own, in Meta's order: one that fails (Temporal unreachable) never stops the rest. */
async function routeEach(events: WebhookEvent[], route: Route, logger: Logger, batch?: RoutingBatch) {
  const routed: RoutedEvent[] = [];
  let failed = 0;
  let held = 0;
  let otherwise = false;
  for (const event of events) {
    try {
      routed.push(...(await route(event, batch)));
    } catch (err) {
      const refused = temporalRefusedRequest(err);
      if (refused !== null) {
        // Never routable: delivered again, it would hold back every later delivery about its number or WABA.
        logger.warn(
          { field: event.field, wabaId: event.wabaId, refused: bounded(refused) },
          'webhook change refused by Temporal; dropped',
        );
        routed.push({ field: event.field, target: null, outcome: 'refused by Temporal' });
        continue;
      }
      failed++;
      // Temporal, or the stores' database, away or slow: not the delivery's fault.
      if (!temporalNotAnswering(err) && !storeNotAnswering(err)) otherwise = true;
      if (err instanceof RouteAgainSoon) {
        held++;
        logger.info(
          { field: event.field, wabaId: event.wabaId, why: err.message },
          'webhook change held back; routed again shortly',
        );
        routed.push({ field: event.field, target: null, outcome: `held back: ${err.message}` });
        continue;
      }
      if (failed <= LOGGED_FAILURES) {
        // The drain's next line says whether its delivery is tried again or given up on (a dead letter).
        const notRouted = 'webhook change not routed; its delivery is tried again, or dead-lettered past its tries';
        // A WABA no token is stored for yet (its signup to come, or never made): expected, no fault of numberflow's.
        if (err instanceof MissingTokenError)
          logger.warn(
            { field: event.field, wabaId: event.wabaId, why: `no Meta token is stored for WABA ${err.wabaId} yet` },
            notRouted,
          );
        else logger.error({ err, field: event.field, wabaId: event.wabaId }, notRouted);
      }
      routed.push({ field: event.field, target: null, outcome: 'failed' });
    }
  }
  return { routed, failed, held, otherwise };
}

/** What routing answers when a change was expected and changed nothing (a busy sender's statuses, mostly). */
const ROUTINE_OUTCOMES = new Set(['no running journey', 'no running workflow', 'not routed', 'hash known']);

/**
 * A delivery that changed nothing is logged at debug: Meta may send thousands a second of them, each counted on
 * /metrics. One that signalled a workflow, recorded a hash or failed stays at info; one with a change refused (of a
 * shape or a date numberflow cannot take: an entry.time in milliseconds, say) is a warning, since what Meta said there
 * is lost.
 */
export function routingLogLevel(routed: readonly RoutedEvent[]): 'warn' | 'info' | 'debug' {
  if (routed.some((r) => r.outcome.startsWith('refused:'))) return 'warn';
  return routed.every((r) => ROUTINE_OUTCOMES.has(r.outcome)) ? 'debug' : 'info';
}

const LOGGED_FAILURES = 3;
const LOGGED_OUTCOMES = 10;

/** A bounded log record of a batch: outcomes counted, the first few shown. */
function summary(routed: RoutedEvent[]) {
  const outcomes: Record<string, number> = {};
  for (const { outcome } of routed) {
    const kind = outcome.split(':')[0] ?? outcome;
    outcomes[kind] = (outcomes[kind] ?? 0) + 1;
  }
  return {
    outcomes,
    routed: routed
      .slice(0, LOGGED_OUTCOMES)
      .map((r) => ({ ...r, field: bounded(r.field, 80), outcome: bounded(r.outcome) })),
  };
}
