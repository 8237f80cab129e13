// Meta sends a WABA's webhooks only to the apps subscribed to it (POST /{waba-id}/subscribed_apps). Embedded Signup
// subscribes a customer's WABA; a WABA of one's own (a number numberflow adds, one adopted from WhatsApp Manager)
// must be too, or its journeys hear nothing from Meta: no paid message (the 30-day deletion block), no 137000, no
// cap raise, Meta's name decisions only at the 12-hourly read (docs/meta-graph-api.md#webhook-subscription).
import type { GraphClient } from '../graph/client.js';

interface SubscriptionLog {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
}

/** How long after a failed look the WABA's next call looks again: a token without the permission never gets it. */
export const SUBSCRIPTION_RETRY_MS = 15 * 60_000;

/**
 * Makes sure, once per WABA and process, that this app receives the WABA's webhooks: subscribes it when Meta lists
 * it not (or, without the app's id, lists no app at all). Never holds up the call it is asked beside, and a failure
 * (a token without the permission, Meta down) is logged and tried again at a call of the WABA's SUBSCRIPTION_RETRY_MS
 * later at the soonest.
 */
export function webhookSubscriptions(
  graph: GraphClient,
  now: () => number = Date.now,
): (wabaId: string, log?: SubscriptionLog) => void {
  const checked = new Map<string, Promise<void>>();
  const failedAt = new Map<string, number>();
  const subscribed = async (wabaId: string): Promise<boolean> => {
    const apps = await graph.listSubscribedApps(wabaId);
    const { appId } = graph;
    return appId === undefined ? apps.length > 0 : apps.some((app) => app.whatsapp_business_api_data.id === appId);
  };
  return (wabaId, log) => {
    if (checked.has(wabaId)) return;
    const failed = failedAt.get(wabaId);
    if (failed !== undefined && now() - failed < SUBSCRIPTION_RETRY_MS) return;
    const check = (async () => {
      if (await subscribed(wabaId)) return;
      await graph.subscribeApp(wabaId);
      log?.info("subscribed the app to the WABA's webhooks: Meta listed it not subscribed", { wabaId });
    })().catch((err: unknown) => {
      checked.delete(wabaId);
      failedAt.set(wabaId, now());
      log?.warn(
        "could not make sure the app receives the WABA's webhooks (POST /{waba-id}/subscribed_apps): its journeys hear nothing from Meta until it does",
        { wabaId, error: err instanceof Error ? err.message : String(err) },
      );
    });
    checked.set(wabaId, check);
  };
}
