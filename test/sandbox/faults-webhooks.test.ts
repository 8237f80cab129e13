import { describe, expect, it } from 'vitest';
import { signWebhookBody } from '../../src/graph/signature.js';
import {
  APP_SECRET,
  type TestSandbox,
  VERIFY_TOKEN,
  type WebhookReceiver,
  metaError,
  startTestSandbox,
  startWebhookReceiver,
  useSandboxWithReceiver,
} from './support.js';

let t: TestSandbox;
let receiver: WebhookReceiver;

useSandboxWithReceiver({ webhookBackoffMs: 5 }, (started) => ({ t, receiver } = started));

const listNumbers = () => t.graph('GET', `/${t.wabaId}/phone_numbers`);

describe('error faults', () => {
  it.each([
    [1, 400, 'API Unknown'],
    [2, 503, 'API Service'],
    [4, 400, 'Application request limit reached'],
    [80007, 400, 'Rate limit hit'],
    [130429, 400, 'Rate limit hit'],
    [131000, 500, 'Something went wrong'],
    [133004, 503, 'Server temporarily unavailable'],
  ])('answers an injected %i with HTTP %i and Meta error body, once by default', async (code, http, title) => {
    t.sandbox.admin.injectFault({ endpoint: 'GET /phone_numbers', kind: 'error', code });
    const faulted = await listNumbers();
    expect(faulted.status).toBe(http);
    expect(faulted.body).toEqual({
      error: {
        message: `(#${code}) ${title}`,
        type: 'OAuthException',
        code,
        error_data: { messaging_product: 'whatsapp', details: expect.any(String) },
        fbtrace_id: faulted.headers['x-fb-trace-id'],
      },
    });
    expect((await listNumbers()).status).toBe(200);
  });

  it('sends X-Business-Use-Case-Usage with estimated_time_to_regain_access in minutes on 4 and 80007', async () => {
    const id = await t.addNumber('4155552671');
    for (const code of [4, 80007]) {
      t.sandbox.admin.injectFault({ endpoint: 'POST /request_code', kind: 'error', code });
      const answer = await t.graph('POST', `/${id}/request_code`, { query: { code_method: 'SMS', language: 'en_US' } });
      const usage = JSON.parse(String(answer.headers['x-business-use-case-usage'])) as Record<string, unknown[]>;
      expect(usage[t.wabaId]).toEqual([
        expect.objectContaining({ type: 'whatsapp_business_management', estimated_time_to_regain_access: 5 }),
      ]);
    }
    expect(t.sandbox.admin.outbox()).toEqual([]);
  });

  it('matches the full endpoint, its short form and *, for `times` calls', async () => {
    const id = await t.addNumber('4155552671');
    const get = () => t.graph('GET', `/${id}`);
    t.sandbox.admin.injectFault({ endpoint: 'GET /{phone-number-id}', kind: 'error', code: 131000 });
    t.sandbox.admin.injectFault({ endpoint: 'GET /phone_number', kind: 'error', code: 2 });
    t.sandbox.admin.injectFault({ endpoint: '*', kind: 'error', code: 1, times: 2 });
    expect(metaError(await get()).code).toBe(131000);
    expect(metaError(await get()).code).toBe(2);
    expect(metaError(await listNumbers()).code).toBe(1);
    expect(metaError(await get()).code).toBe(1);
    expect((await get()).status).toBe(200);
  });

  it('replays the same probabilistic faults for the same seed', async () => {
    const pattern = async (seed: number): Promise<number[]> => {
      const s = await startTestSandbox({ seed });
      s.sandbox.admin.injectFault({ endpoint: '*', kind: 'error', code: 1, times: 100, probability: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) statuses.push((await s.graph('GET', `/${s.wabaId}/phone_numbers`)).status);
      await s.close();
      return statuses;
    };
    const first = await pattern(42);
    expect(await pattern(42)).toEqual(first);
    expect(first).toContain(200);
    expect(first).toContain(400);
  });

  it('clears every fault', async () => {
    t.sandbox.admin.injectFault({ endpoint: '*', kind: 'error', code: 2, times: 5 });
    t.sandbox.admin.clearFaults();
    expect((await listNumbers()).status).toBe(200);
  });

  it('refuses a fault code outside the error table', () => {
    expect(() => t.sandbox.admin.injectFault({ endpoint: '*', kind: 'error', code: 999999 })).toThrow(RangeError);
  });
});

describe('latency faults', () => {
  it('holds the answer for latencyMs of real time', async () => {
    t.sandbox.admin.injectFault({ endpoint: 'GET /phone_numbers', kind: 'latency', latencyMs: 150 });
    const started = performance.now();
    expect((await listNumbers()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });
});

describe('webhook delivery', () => {
  function nameUpdate(id: string) {
    t.sandbox.admin.decideDisplayName(id, 'APPROVED');
  }

  it('retries a webhook with backoff until the receiver answers 2xx', async () => {
    const id = await t.addNumber('4155552671');
    receiver.failNext(2);
    nameUpdate(id);
    await t.sandbox.admin.flushWebhooks();
    const delivery = t.sandbox.admin.webhooks().find((w) => w.field === 'phone_number_name_update');
    expect(delivery).toMatchObject({ attempts: 3, delivered: true, duplicated: false });
    expect(delivery?.lastError).toBeUndefined(); // delivered: the failures before it are no error of its
    expect(receiver.values('phone_number_name_update')).toHaveLength(1);
  });

  it('gives up after 5 attempts', async () => {
    const id = await t.addNumber('4155552671');
    receiver.failNext(10, 503);
    nameUpdate(id);
    await t.sandbox.admin.flushWebhooks();
    expect(t.sandbox.admin.webhooks().find((w) => w.field === 'phone_number_name_update')).toMatchObject({
      attempts: 5,
      delivered: false,
      gaveUp: true,
      lastError: 'HTTP 503',
    });
  });

  it('sends a given-up webhook again on its own when told to, as Meta keeps retrying, once the receiver is back', async () => {
    const own = await startTestSandbox({ webhookMaxAttempts: 2, webhookBackoffMs: 5, webhookRetryGivenUpEveryMs: 50 });
    const back = await startWebhookReceiver();
    own.sandbox.admin.setWebhookUrl(back.url);
    const id = await own.addNumber('4155552672');
    back.failNext(5, 503); // down for more than a round of two attempts (the number's other webhooks take some)
    own.sandbox.admin.decideDisplayName(id, 'APPROVED');
    await own.sandbox.admin.flushWebhooks();
    const named = () => own.sandbox.admin.webhooks().find((w) => w.field === 'phone_number_name_update');
    for (let i = 0; i < 200 && !named()?.delivered; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(named()).toMatchObject({ delivered: true, gaveUp: false });
    expect(named()?.attempts).toBeGreaterThan(2); // more than one round of two: sent again after it was given up
    expect(back.values('phone_number_name_update')).toHaveLength(1);
  });

  it('never sends a webhook hit by drop_webhook', async () => {
    const id = await t.addNumber('4155552671');
    t.sandbox.admin.injectFault({ endpoint: 'phone_number_name_update', kind: 'drop_webhook' });
    nameUpdate(id);
    await t.sandbox.admin.flushWebhooks();
    expect(receiver.values('phone_number_name_update')).toEqual([]);
    expect(t.sandbox.admin.webhooks().at(-1)).toMatchObject({ dropped: true, attempts: 0, delivered: false });
  });

  it('sends a webhook hit by duplicate_webhook twice, byte for byte', async () => {
    const id = await t.addNumber('4155552671');
    t.sandbox.admin.injectFault({ endpoint: '*', kind: 'duplicate_webhook' });
    nameUpdate(id);
    await t.sandbox.admin.flushWebhooks();
    const copies = receiver.received.filter(
      (w) => w.payload.entry[0]?.changes[0]?.field === 'phone_number_name_update',
    );
    expect(copies).toHaveLength(2);
    expect(copies[0]?.raw.equals(copies[1]?.raw ?? Buffer.alloc(0))).toBe(true);
    expect(t.sandbox.admin.webhooks().at(-1)).toMatchObject({ duplicated: true, attempts: 2, delivered: true });
  });

  it('escapes non-ASCII as lowercase \\uXXXX like Meta and signs exactly the bytes it sends', async () => {
    const id = await t.addNumber('4155552671', 'Café Ñandú 😀');
    nameUpdate(id);
    await t.sandbox.admin.flushWebhooks();
    const webhook = receiver.received.find((w) => w.payload.entry[0]?.changes[0]?.field === 'phone_number_name_update');
    const raw = webhook?.raw.toString('latin1') ?? '';
    expect(raw).toContain('Caf\\u00e9 \\u00d1and\\u00fa \\ud83d\\ude00');
    expect([...(webhook?.raw ?? [])].every((byte) => byte < 0x80)).toBe(true);
    expect(webhook?.headers['x-hub-signature-256']).toBe(signWebhookBody(webhook?.raw ?? '', APP_SECRET));
    expect(webhook?.payload.entry[0]?.changes[0]?.value.requested_verified_name).toBe('Café Ñandú 😀');
  });

  it("holds npm start's webhooks made before its first callback URL, and sends them, in order, once it is set", async () => {
    const held = await startTestSandbox({ holdWebhooksUntilUrl: true });
    try {
      const id = await held.addNumber('4155552671');
      held.sandbox.admin.decideDisplayName(id, 'APPROVED');
      await held.sandbox.admin.flushWebhooks();
      const fields = ['business_capability_update', 'phone_number_name_update'];
      expect(
        held.sandbox.admin.webhooks().map(({ field, delivered, gaveUp }) => ({ field, delivered, gaveUp })),
      ).toEqual(fields.map((field) => ({ field, delivered: false, gaveUp: false })));
      held.sandbox.admin.setWebhookUrl(receiver.url);
      await held.sandbox.admin.flushWebhooks();
      expect(held.sandbox.admin.webhooks()).toMatchObject(fields.map(() => ({ delivered: true, attempts: 1 })));
      expect(receiver.received.map((w) => w.payload.entry[0]?.changes[0]?.field).slice(-2)).toEqual(fields);
      // Once a URL was given, taking it away is an app without one: Meta sends it nothing.
      held.sandbox.admin.setWebhookUrl(undefined);
      held.sandbox.admin.recordPaidMessage(id);
      await held.sandbox.admin.flushWebhooks();
      expect(held.sandbox.admin.webhooks().at(-1)).toMatchObject({ delivered: false, gaveUp: true });
    } finally {
      await held.sandbox.close();
    }
  });

  it('records webhooks without sending them while no callback URL is set', async () => {
    t.sandbox.admin.setWebhookUrl(undefined);
    const id = await t.addNumber('4155552671');
    nameUpdate(id);
    await t.sandbox.admin.flushWebhooks();
    expect(t.sandbox.admin.webhooks().at(-1)).toMatchObject({ delivered: false, gaveUp: true, attempts: 0 });
  });
});

describe('subscribed_apps', () => {
  it('subscribes, lists and unsubscribes the app', async () => {
    expect((await t.graph('GET', `/${t.wabaId}/subscribed_apps`)).body).toEqual({ data: [] });
    expect((await t.graph('POST', `/${t.wabaId}/subscribed_apps`)).body).toEqual({ success: true });
    expect((await t.graph('GET', `/${t.wabaId}/subscribed_apps`)).body).toEqual({
      data: [{ whatsapp_business_api_data: { id: '1234567890', name: expect.any(String), link: expect.any(String) } }],
    });
    expect((await t.graph('DELETE', `/${t.wabaId}/subscribed_apps`)).body).toEqual({ success: true });
    expect((await t.graph('GET', `/${t.wabaId}/subscribed_apps`)).body).toEqual({ data: [] });
  });

  it('verifies an override_callback_uri with hub.challenge and then sends the WABA webhooks there', async () => {
    const other = await startWebhookReceiver();
    try {
      const refused = await t.graph('POST', `/${t.wabaId}/subscribed_apps`, {
        json: { override_callback_uri: other.url, verify_token: 'wrong' },
      });
      expect(metaError(refused).error_data?.details).toMatch(/callback verification failed/);
      const accepted = await t.graph('POST', `/${t.wabaId}/subscribed_apps`, {
        json: { override_callback_uri: other.url, verify_token: VERIFY_TOKEN },
      });
      expect(accepted.body).toEqual({ success: true });
      const id = await t.addNumber('4155552671');
      t.sandbox.admin.decideDisplayName(id, 'APPROVED');
      await t.sandbox.admin.flushWebhooks();
      expect(other.values('phone_number_name_update')).toHaveLength(1);
      expect(receiver.values('phone_number_name_update')).toHaveLength(0);
    } finally {
      await other.close();
    }
  });
});
