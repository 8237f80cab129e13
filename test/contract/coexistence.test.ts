// A WhatsApp Business App number linked through Embedded Signup (docs/meta-graph-api.md#coexistence-syncs, #coexistence): already on
// the Cloud API, never registered or deregistered by numberflow, and synced once per type.
import { expect } from 'vitest';
import type { NumberRef } from '../../src/graph/index.js';
import { describeContract, failure } from './contract.js';
import { expectGraphError } from './errors.js';
import { sandboxOf, type ContractTarget } from './targets.js';

function linkedNumber(target: ContractTarget): NumberRef {
  const controls = sandboxOf(target);
  const e164 = controls.freshE164();
  const { phoneNumberId } = controls.admin.linkCoexistenceNumber({
    wabaId: target.wabaId,
    e164,
    verifiedName: 'Acme Shop',
  });
  return { wabaId: target.wabaId, phoneNumberId };
}

describeContract('coexistence numbers', (test) => {
  test('reads a linked number as on the business app and on the Cloud API', ['meta-side'], async (t) => {
    const number = linkedNumber(t);
    expect(await t.client.getPhoneNumber(number, ['is_on_biz_app', 'platform_type', 'status'])).toMatchObject({
      is_on_biz_app: true,
      platform_type: 'CLOUD_API',
      status: 'CONNECTED',
    });
  });

  test(
    "syncs the app's state and its history once each, and refuses a second history sync",
    ['meta-side'],
    async (t) => {
      const number = linkedNumber(t);
      const state = await t.client.syncSmbAppData(number, 'smb_app_state_sync');
      const history = await t.client.syncSmbAppData(number, 'history');
      expect(state.requestId).toMatch(/^\w+$/);
      expect(history.requestId).toMatch(/^\w+$/);
      expect(history.requestId).not.toBe(state.requestId);
      const err = await failure(t, t.client.syncSmbAppData(number, 'history'));
      expectGraphError(err, {
        code: 100,
        httpStatus: 400,
        errorClass: 'permanent',
        endpoint: 'POST /{phone-number-id}/smb_app_data',
      });
    },
  );

  test('refuses to deregister a coexistence number', ['meta-side'], async (t) => {
    const err = await failure(t, t.client.deregister(linkedNumber(t)));
    const graphError = expectGraphError(err, {
      code: 100,
      httpStatus: 400,
      errorClass: 'permanent',
      endpoint: 'POST /{phone-number-id}/deregister',
    });
    expect(graphError.details).toContain('not available for API solution for SMB businesses');
  });
});
