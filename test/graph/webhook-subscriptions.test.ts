// A WABA's webhooks reach only the apps subscribed to it: the worker makes sure of its app once per WABA, beside the
// journey's first call there, without holding that call up, and tries again after a failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGraphActivities } from '../../src/activities/graph-activities.js';
import { SUBSCRIPTION_RETRY_MS, webhookSubscriptions } from '../../src/activities/webhook-subscriptions.js';
import { GraphClient } from '../../src/graph/index.js';
import { SANDBOX_APP_ID } from '../../src/graph/from-config.js';
import { staticTokenProvider } from '../../src/graph/tokens.js';
import { eventually } from '../http/inbox-support.js';
import { sandboxWithWaba } from './support/sandbox-waba.js';
import type { Sandbox } from '../../src/sandbox/index.js';

const APP_ID = '813000000000042';
let sandbox: Sandbox;
let wabaId: string;
let graph: GraphClient;

beforeAll(async () => {
  ({ sandbox, wabaId, graph } = await sandboxWithWaba('subscription-secret', 31));
});
afterAll(async () => {
  await graph.close();
  await sandbox.close();
});

const subscriptionCalls = () => sandbox.admin.calls().filter((c) => c.endpoint.endsWith('/subscribed_apps'));

describe("the app subscribed to a WABA's webhooks (Graph sandbox)", () => {
  it('subscribes the app to a WABA Meta lists it not subscribed to, once per WABA, at its first call', async () => {
    const asApp = new GraphClient({
      baseUrl: sandbox.url,
      tokens: staticTokenProvider(sandbox.admin.issueToken({ wabaIds: [wabaId] })),
      appId: SANDBOX_APP_ID, // the sandbox's own
    });
    try {
      const activities = createGraphActivities({ graph: asApp });
      const { id } = await asApp.addPhoneNumber(wabaId, { cc: '1', phoneNumber: '4155550191', verifiedName: 'Acme' });
      expect(await asApp.listSubscribedApps(wabaId)).toEqual([]);
      sandbox.admin.clearCalls();
      await activities.readNumber({ wabaId, phoneNumberId: id });
      await eventually(() => subscriptionCalls().length === 2, 'the look and the subscription');
      expect(await asApp.listSubscribedApps(wabaId)).toHaveLength(1);
      expect(subscriptionCalls().map((c) => c.endpoint)).toEqual([
        'GET /{waba-id}/subscribed_apps',
        'POST /{waba-id}/subscribed_apps',
        'GET /{waba-id}/subscribed_apps', // this test's own look
      ]);
      sandbox.admin.clearCalls();
      await activities.readNumber({ wabaId, phoneNumberId: id });
      expect(subscriptionCalls()).toEqual([]); // known for this WABA: not asked again
    } finally {
      await asApp.close();
    }
  });

  it('looks again after a failure only once its wait is over, and subscribes this app where Meta lists only another', async () => {
    const { wabaId: other } = sandbox.admin.createWaba(
      sandbox.admin.createPortfolio({ verificationStatus: 'verified' }),
    );
    const client = new GraphClient({
      baseUrl: sandbox.url,
      tokens: staticTokenProvider(sandbox.admin.issueToken({ wabaIds: [other] })),
      appId: APP_ID, // not the sandbox's app: the one Meta lists is another
    });
    const logged: string[] = [];
    const log = {
      info: (message: string) => void logged.push(`info: ${message}`),
      warn: (message: string) => void logged.push(`warn: ${message}`),
    };
    let clock = 1_000_000;
    try {
      await client.subscribeApp(other); // the sandbox's app, as another app of the WABA's would be
      const subscribe = webhookSubscriptions(client, () => clock);
      // Meta refuses the look for good (a token without the permission): said, and not asked again at once.
      sandbox.admin.injectFault({ endpoint: 'GET /{waba-id}/subscribed_apps', kind: 'error', code: 200, times: 1 });
      sandbox.admin.clearCalls();
      subscribe(other, log);
      await eventually(() => logged.length === 1, 'the failure said');
      expect(logged[0]).toMatch(/^warn: could not make sure the app receives the WABA's webhooks/);
      subscribe(other, log);
      clock += SUBSCRIPTION_RETRY_MS - 1;
      subscribe(other, log);
      expect(subscriptionCalls()).toHaveLength(1); // the failed look alone
      clock += 1;
      subscribe(other, log);
      await eventually(() => logged.length === 2, 'subscribed after the wait');
      expect(logged[1]).toBe("info: subscribed the app to the WABA's webhooks: Meta listed it not subscribed");
      expect(subscriptionCalls().map((c) => c.endpoint)).toEqual([
        'GET /{waba-id}/subscribed_apps',
        'GET /{waba-id}/subscribed_apps',
        'POST /{waba-id}/subscribed_apps',
      ]);
    } finally {
      await client.close();
    }
  });
});
