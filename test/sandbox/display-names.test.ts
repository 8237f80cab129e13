import { describe, expect, it } from 'vitest';
import { DAY } from '../../src/sandbox/clock.js';
import { SandboxAdminError } from '../../src/sandbox/index.js';
import { type TestSandbox, type WebhookReceiver, startTestSandbox, useSandboxWithReceiver } from './support.js';

let t: TestSandbox;
let receiver: WebhookReceiver;

useSandboxWithReceiver({}, (started) => ({ t, receiver } = started));

const NAME_FIELDS = 'verified_name,name_status,new_display_name,new_name_status';

async function names(id: string): Promise<Record<string, unknown>> {
  return (await t.graph('GET', `/${id}`, { query: { fields: NAME_FIELDS } })).body;
}

async function nameWebhooks(): Promise<Record<string, unknown>[]> {
  await t.sandbox.admin.flushWebhooks();
  return receiver.values('phone_number_name_update');
}

/** A CONNECTED number whose initial name was approved. */
async function connectedWithApprovedName(name = 'Acme'): Promise<string> {
  const id = await t.addNumber('4155552671', name);
  t.sandbox.admin.decideDisplayName(id, 'APPROVED');
  await t.verifyNumber(id);
  await t.register(id);
  return id;
}

describe('display-name review', () => {
  it('approves the name given at add time on an admin decision and sends phone_number_name_update APPROVED', async () => {
    const id = await t.addNumber('4155552671', 'Acme Support');
    expect(await names(id)).toEqual({ id, verified_name: 'Acme Support', name_status: 'PENDING_REVIEW' });
    t.sandbox.admin.decideDisplayName(id, 'APPROVED');
    expect(await names(id)).toMatchObject({ name_status: 'APPROVED' });
    const [update] = await nameWebhooks();
    expect(update).toEqual({
      display_phone_number: '14155552671',
      decision: 'APPROVED',
      requested_verified_name: 'Acme Support',
      rejection_reason: null,
    });
    expect(receiver.received.every((w) => w.signatureValid)).toBe(true);
  });

  it('declines the name on REJECTED and sends the rejection reason', async () => {
    const id = await t.addNumber('4155552671', 'acme!!');
    t.sandbox.admin.decideDisplayName(id, 'REJECTED', 'NAME_FORMAT_UNACCEPTABLE');
    expect(await names(id)).toMatchObject({ name_status: 'DECLINED', verified_name: 'acme!!' });
    expect(await nameWebhooks()).toMatchObject([
      { decision: 'REJECTED', requested_verified_name: 'acme!!', rejection_reason: 'NAME_FORMAT_UNACCEPTABLE' },
    ]);
  });

  it('reviews a new name after a rejection (the declined name is simply replaced)', async () => {
    const id = await t.addNumber('4155552671', 'acme!!');
    t.sandbox.admin.decideDisplayName(id, 'REJECTED');
    await t.graph('POST', `/${id}`, { query: { new_display_name: 'Acme' } });
    expect(await names(id)).toEqual({ id, verified_name: 'Acme', name_status: 'PENDING_REVIEW' });
  });

  it('approves names by itself after nameReviewDelayMs of sandbox time', async () => {
    t = await startTestSandbox({ webhookUrl: receiver.url, nameReviewDelayMs: DAY });
    const id = await t.addNumber('4155552671', 'Acme');
    t.sandbox.admin.advanceClock(DAY - 1_000);
    expect(await names(id)).toMatchObject({ name_status: 'PENDING_REVIEW' });
    t.sandbox.admin.advanceClock(1_000);
    expect(await names(id)).toMatchObject({ name_status: 'APPROVED' });
    expect(await nameWebhooks()).toMatchObject([{ decision: 'APPROVED', requested_verified_name: 'Acme' }]);
  });

  it('keeps the old name during a change and makes the approved name take effect on the next register', async () => {
    const id = await connectedWithApprovedName('Acme');
    expect((await t.graph('POST', `/${id}`, { query: { new_display_name: 'Acme Bank' } })).body).toEqual({
      success: true,
    });
    expect(await names(id)).toMatchObject({
      verified_name: 'Acme',
      name_status: 'APPROVED',
      new_display_name: 'Acme Bank',
      new_name_status: 'PENDING_REVIEW',
    });
    // Re-registering before approval has no effect (docs/meta-graph-api.md#display-names).
    await t.register(id);
    expect(await names(id)).toMatchObject({ verified_name: 'Acme', new_name_status: 'PENDING_REVIEW' });

    t.sandbox.admin.decideDisplayName(id, 'APPROVED');
    expect(await names(id)).toMatchObject({ verified_name: 'Acme', new_name_status: 'APPROVED' });
    expect((await nameWebhooks()).at(-1)).toMatchObject({ decision: 'APPROVED', requested_verified_name: 'Acme Bank' });

    t.sandbox.admin.advanceClock(13 * DAY);
    expect((await t.register(id)).status).toBe(200);
    expect(await names(id)).toEqual({ id, verified_name: 'Acme Bank', name_status: 'APPROVED' });
  });

  it('sends an approved change back to review when 14 days pass without a register', async () => {
    const id = await connectedWithApprovedName();
    await t.graph('POST', `/${id}`, { query: { new_display_name: 'Acme Bank' } });
    t.sandbox.admin.decideDisplayName(id, 'APPROVED');
    t.sandbox.admin.advanceClock(14 * DAY);
    expect(await names(id)).toMatchObject({ verified_name: 'Acme', new_name_status: 'PENDING_REVIEW' });
  });

  it('marks a rejected change DECLINED in new_name_status and name_status', async () => {
    const id = await connectedWithApprovedName();
    await t.graph('POST', `/${id}`, { query: { new_display_name: 'Best Bank In The World' } });
    t.sandbox.admin.decideDisplayName(id, 'REJECTED', 'NAME_NOT_CONSISTENT');
    expect(await names(id)).toMatchObject({ new_name_status: 'DECLINED', name_status: 'DECLINED' });
    expect((await nameWebhooks()).at(-1)).toMatchObject({
      decision: 'REJECTED',
      rejection_reason: 'NAME_NOT_CONSISTENT',
    });
  });

  it('refuses an admin decision when no name is in review', async () => {
    const id = await connectedWithApprovedName();
    expect(() => t.sandbox.admin.decideDisplayName(id, 'APPROVED')).toThrow(SandboxAdminError);
  });
});
