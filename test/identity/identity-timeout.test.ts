import { describe, expect, it } from 'vitest';
import { customerIdentityWorkflowId, type IdentityOutcome } from '../../src/domain/identity.js';
import { PayloadReader } from '../../src/audit/decode.js';
import { identityRunEntries } from '../../src/audit/identity-timeline.js';
import { mismatchReporter } from '../../src/identity/report-mismatch.js';
import { useBench } from '../support/bench.js';

describe('customerIdentity without a confirmation (time-skipping server)', () => {
  const t = useBench('time-skipping');

  it('ends after 30 days with a note; the customer stays untrusted; the audit reads the wait and the ending', async () => {
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

      // The audit reads the run: the wait for the operator, its deadline passed, and the ending.
      const described = await handle.describe();
      const run = {
        workflowId: handle.workflowId,
        runId: described.runId,
        startTime: described.startTime,
        closeTime: described.closeTime ?? null,
        status: described.status.name,
        portfolioId: null,
        phoneNumberId: key.phoneNumberId,
        wabaId: t.bench.wabaId,
      };
      const reader = new PayloadReader(t.env.client.options.loadedDataConverter);
      const read = await identityRunEntries(t.env.client, run, reader);
      if (!read) throw new Error('the recovery was left out of its own audit');
      const { entries, summary } = read;
      expect(summary).toMatchObject({ ...key, status: 'COMPLETED' });
      expect(entries.every((entry) => entry.customer === key.waId)).toBe(true);
      const started = Date.parse(summary.startedAt);
      const wait = entries.find((entry) => entry.kind === 'wait');
      expect(wait).toMatchObject({ outcome: 'waited until the deadline' });
      expect(Date.parse(wait?.until as string) - started).toBeGreaterThanOrEqual(30 * 24 * 3_600_000 - 1_000);
      expect(entries.at(-1)).toMatchObject({
        kind: 'ended',
        outcome: 'TIMED_OUT',
        what: 'nobody confirmed the customer within 30 days: they stay untrusted, sends to them stay refused',
      });
      expect(reader.gaps).toEqual([]);
    });
  });
});
