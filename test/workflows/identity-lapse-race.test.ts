// A customer's new hash that comes while the recovery stores its confirmation's lapse (30 days after it, no send
// having brought the hash): it is the new hash all the same, and trust comes back (time-skipping server, stub
// activities: the lapse's activity is where the status of the send without the hash is told).
import { describe, expect, it } from 'vitest';
import {
  confirmIdentityUpdate,
  customerIdentityWorkflowId,
  identityHashStoredSignal,
  type IdentityOutcome,
} from '../../src/domain/identity.js';
import { connectTimeSkippingServer, uniqueTaskQueue, useTestEnv, withWorker } from '../support/temporal.js';

describe('a new hash while the confirmation lapses (time-skipping server, stub activities)', () => {
  const testEnv = useTestEnv(connectTimeSkippingServer);

  it('restores trust with it instead of ending the recovery lapsed', async () => {
    const taskQueue = uniqueTaskQueue('identity-lapse');
    const key = { phoneNumberId: '7003', waId: '15550007003' };
    const workflowId = customerIdentityWorkflowId(key.phoneNumberId, key.waId);
    const stored: string[] = [];
    const activities = {
      markUntrusted: async () => void stored.push('untrusted'),
      allowUnhashedSend: async () => void stored.push('confirmed'),
      lapseConfirmation: async () => {
        stored.push('lapsed');
        // The send's status, routed while the lapse is written.
        await testEnv().client.workflow.getHandle(workflowId).signal(identityHashStoredSignal, {
          messageId: 'wamid.late-send',
          hashPrefix: 'NewH…',
          at: new Date().toISOString(),
        });
      },
      restoreTrust: async () => void stored.push('trusted'),
    };
    await withWorker(testEnv(), { taskQueue, activities }, async () => {
      const handle = await testEnv().client.workflow.start('customerIdentity', {
        taskQueue,
        workflowId,
        args: [{ ...key, wabaId: '7000' }],
      });
      await handle.executeUpdate(confirmIdentityUpdate, { args: [{ actor: 'ops@acme', method: 'phone_call' }] });
      const outcome = (await handle.result()) as IdentityOutcome;
      expect(outcome).toMatchObject({ stage: 'TRUSTED', restoredHashPrefix: 'NewH…' });
      expect(outcome.confirmationLapsed).toBeUndefined();
      expect(stored).toEqual(['untrusted', 'confirmed', 'lapsed', 'trusted']);
    });
  });
});
