import { beforeEach, describe, expect, it } from 'vitest';
import { type TestSandbox, type WebhookReceiver, useSandboxWithReceiver } from './support.js';

let t: TestSandbox;
let receiver: WebhookReceiver;
let id: string;

useSandboxWithReceiver({}, (started) => ({ t, receiver } = started));
beforeEach(async () => {
  id = await t.addNumber('4155552671');
  t.sandbox.admin.setCustomerIdentity(id, '16505551234', 'DF2lS5v2W6x=');
});

async function messages(): Promise<Record<string, unknown>[]> {
  await t.sandbox.admin.flushWebhooks();
  return receiver.values('messages');
}

function enableCheck(body: Record<string, unknown>) {
  return t.graph('POST', `/${id}/settings`, { json: body });
}

describe('identity-change check', () => {
  it('turns on with user_identity_change.enable_identity_key_check and reads back in GET /settings', async () => {
    expect((await enableCheck({ user_identity_change: { enable_identity_key_check: true } })).body).toEqual({
      success: true,
    });
    const settings = await t.graph('GET', `/${id}/settings`);
    expect(settings.body).toMatchObject({ user_identity_change: { enable_identity_key_check: true } });
  });

  it("also accepts OpenAPI's `enabled` key, and a JSON-encoded form field", async () => {
    await enableCheck({ user_identity_change: { enabled: true } });
    expect((await t.graph('GET', `/${id}/settings`)).body).toMatchObject({
      user_identity_change: { enable_identity_key_check: true },
    });
    await t.graph('POST', `/${id}/settings`, {
      form: { user_identity_change: JSON.stringify({ enable_identity_key_check: false }) },
    });
    expect((await t.graph('GET', `/${id}/settings`)).body).toMatchObject({
      user_identity_change: { enable_identity_key_check: false },
    });
  });

  it('refuses two settings in one request with 100', async () => {
    const answer = await enableCheck({
      user_identity_change: { enable_identity_key_check: true },
      calling: { status: 'ENABLED' },
    });
    expect(answer.status).toBe(400);
    expect((answer.body.error as { code: number }).code).toBe(100);
  });

  it('puts identity_key_hash in inbound contacts only once the check is on', async () => {
    t.sandbox.admin.deliverInbound(id, '16505551234', 'hello');
    await enableCheck({ user_identity_change: { enable_identity_key_check: true } });
    t.sandbox.admin.deliverInbound(id, '16505551234', 'hello again');
    const [before, after] = await messages();
    expect(before).toMatchObject({
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '14155552671', phone_number_id: id },
      contacts: [{ wa_id: '16505551234' }],
      messages: [{ from: '16505551234', type: 'text', text: { body: 'hello' } }],
    });
    expect((before?.contacts as Record<string, unknown>[])[0]).not.toHaveProperty('identity_key_hash');
    expect(after).toMatchObject({ contacts: [{ wa_id: '16505551234', identity_key_hash: 'DF2lS5v2W6x=' }] });
  });

  it('sends a sent status carrying recipient_identity_key_hash when the hash matches or is absent', async () => {
    await enableCheck({ user_identity_change: { enable_identity_key_check: true } });
    expect(t.sandbox.admin.sendStatus(id, '16505551234').status).toBe('sent');
    t.sandbox.admin.sendStatus(id, '16505551234', { recipientIdentityKeyHash: 'DF2lS5v2W6x=' });
    const statuses = (await messages()).map((v) => (v.statuses as Record<string, unknown>[])[0]);
    expect(statuses).toMatchObject([
      { status: 'sent', recipient_id: '16505551234', recipient_identity_key_hash: 'DF2lS5v2W6x=' },
      { status: 'sent', recipient_identity_key_hash: 'DF2lS5v2W6x=' },
    ]);
  });

  it('fails the message with 137000 when the customer identity changed since the hash was stored', async () => {
    await enableCheck({ user_identity_change: { enable_identity_key_check: true } });
    t.sandbox.admin.setCustomerIdentity(id, '16505551234', 'NEWhash0000=');
    const outcome = t.sandbox.admin.sendStatus(id, '16505551234', { recipientIdentityKeyHash: 'DF2lS5v2W6x=' });
    expect(outcome.status).toBe('failed');
    const [value] = await messages();
    expect(value).toMatchObject({
      metadata: { display_phone_number: '14155552671', phone_number_id: id },
      statuses: [
        {
          id: outcome.messageId,
          status: 'failed',
          recipient_id: '16505551234',
          errors: [
            {
              code: 137000,
              title: 'Identity key mismatch',
              message: 'Identity key mismatch',
              error_data: { details: expect.any(String) },
              href: expect.stringContaining('/support/error-codes'),
            },
          ],
        },
      ],
    });
  });

  const textTo = (waId: string, hash?: string) => ({
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: waId,
    type: 'text',
    text: { body: 'Your order has shipped' },
    ...(hash ? { recipient_identity_key_hash: hash } : {}),
  });

  it('sends text from a registered number only, answering the message id its status names', async () => {
    const early = await t.graph('POST', `/${id}/messages`, { json: textTo('16505551234') });
    expect(early.status).toBe(400);
    expect((early.body.error as { code: number }).code).toBe(133010);
    await t.verifyNumber(id);
    await t.register(id);
    await enableCheck({ user_identity_change: { enable_identity_key_check: true } });
    const sent = await t.graph('POST', `/${id}/messages`, { json: textTo('16505551234', 'DF2lS5v2W6x=') });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ messaging_product: 'whatsapp', contacts: [{ wa_id: '16505551234' }] });
    const messageId = (sent.body.messages as { id: string }[])[0]?.id;
    const statuses = (await messages()).flatMap((v) => (v.statuses as Record<string, unknown>[] | undefined) ?? []);
    expect(statuses.at(-1)).toMatchObject({
      id: messageId,
      status: 'sent',
      recipient_identity_key_hash: 'DF2lS5v2W6x=',
    });
    const bad = await t.graph('POST', `/${id}/messages`, { json: { ...textTo('16505551234'), type: 'image' } });
    expect(bad.status).toBe(400);
  });

  it("recycles a customer's number (admin action): a new hash, and a send with the old one fails with 137000", async () => {
    await t.verifyNumber(id);
    await t.register(id);
    await enableCheck({ user_identity_change: { enable_identity_key_check: true } });
    const response = await fetch(`${t.sandbox.url}/_sandbox/numbers/${id}/customers/16505551234/recycle`, {
      method: 'POST',
    });
    const { identityKeyHash } = (await response.json()) as { identityKeyHash: string };
    expect(identityKeyHash).not.toBe('DF2lS5v2W6x=');
    await t.graph('POST', `/${id}/messages`, { json: textTo('16505551234', 'DF2lS5v2W6x=') });
    await t.graph('POST', `/${id}/messages`, { json: textTo('16505551234') });
    const statuses = (await messages()).flatMap((v) => (v.statuses as Record<string, unknown>[] | undefined) ?? []);
    expect(statuses.slice(-2)).toMatchObject([
      { status: 'failed', errors: [{ code: 137000 }] },
      { status: 'sent', recipient_identity_key_hash: identityKeyHash },
    ]);
  });
});
