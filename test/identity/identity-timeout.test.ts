import { describe, expect, it } from 'vitest';
import { customerIdentityWorkflowId, type IdentityOutcome } from '../../src/domain/identity.js';
import { mismatchReporter } from '../../src/identity/report-mismatch.js';
import { useBench } from '../support/bench.js';

describe('customerIdentity without a confirmation (time-skipping server)', () => {
  const t = useBench('time-skipping');

  it('ends after 30 days with a note; the customer stays untrusted', async () => {
    await t.bench.run(async () => {
      const key = { phoneNumberId: '7001', waId: '15550007001' };
      await mismatchReporter(t.env.client, t.bench.taskQueue)(
        { ...key, wabaId: t.bench.wabaId },
        { source: 'status', messageId: 'wamid.timeout', at: new Date().toISOString() },
      );
      const handle = t.env.client.workflow.getHandle(customerIdentityWorkflowId(key.phoneNumberId, key.waId));
      const outcome = (await handle.result()) as IdentityOutcome;
      expect(outcome.stage).toBe('TIMED_OUT');
      expect(outcome.notes.at(-1)).toMatchObject({
        actor: 'numberflow',
        text: 'nobody confirmed the customer within 30 days: they stay untrusted, sends stay refused',
      });
      expect(await t.bench.identities.trust(key)).toMatchObject({ state: 'untrusted' });
    });
  });
});
