import { describe, expect, it } from 'vitest';
import { confirmIdentityUpdate, customerIdentityWorkflowId, type IdentityOutcome } from '../../src/domain/identity.js';
import { PayloadReader } from '../../src/audit/decode.js';
import { identityRunEntries } from '../../src/audit/identity-timeline.js';
import { mismatchReporter } from '../../src/identity/report-mismatch.js';
import { useBench } from '../support/bench.js';

describe('customerIdentity without a confirmation (time-skipping server)', () => {
  const t = useBench('time-skipping');

  /** A 137000 in a status about the customer, as the receiver reports it: their recovery starts. */
  async function untrustedBy137000(key: { phoneNumberId: string; waId: string }) {
    await mismatchReporter(t.env.client, t.bench.taskQueue)(
      { ...key, wabaId: t.bench.wabaId },
      { source: 'status', messageId: `wamid.${key.waId}`, at: new Date().toISOString() },
    );
    return t.env.client.workflow.getHandle(customerIdentityWorkflowId(key.phoneNumberId, key.waId));
  }

  /** The audit's entries of the recovery's run. */
  async function auditOf(handle: ReturnType<typeof t.env.client.workflow.getHandle>, key: { phoneNumberId: string }) {
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
    expect(reader.gaps).toEqual([]);
    return read;
  }

  it('ends 30 days after a confirmation no send made use of: it lapses, the customer is untrusted again', async () => {
    await t.bench.run(async () => {
      const key = { phoneNumberId: '7002', waId: '15550007002' };
      const handle = await untrustedBy137000(key);
      await handle.executeUpdate(confirmIdentityUpdate, { args: [{ actor: 'ops@acme', method: 'phone_call' }] });
      expect(await t.bench.identities.trust(key)).toMatchObject({ state: 'confirmed' });

      t.bench.record(handle.workflowId, 'customerIdentity');
      // Nobody sends to the customer (the number was removed, say): 30 days on, the confirmation lapses.
      const outcome = (await handle.result()) as IdentityOutcome;
      const lapsed =
        'the confirmation by ops@acme lapsed: no send to the customer brought their new identity hash within 30 days; they are untrusted again, sends refused until an operator confirms again';
      expect(outcome).toMatchObject({ stage: 'TIMED_OUT', confirmationLapsed: true });
      expect(outcome.notes.at(-1)).toMatchObject({ actor: 'numberflow', text: lapsed });
      expect(await t.bench.identities.trust(key)).toMatchObject({ state: 'untrusted', detail: lapsed });

      // The audit: the new hash's wait (the confirmation's came before the recovery waited for it), the lapse, the end.
      const { entries } = await auditOf(handle, key);
      expect(entries.filter((entry) => entry.kind === 'wait').at(-1)).toMatchObject({
        what: 'a send to the customer without the identity hash, whose status brings the new one (30 days at most, then the confirmation lapses)',
        outcome: 'waited until the deadline',
      });
      expect(entries.slice(-2)).toMatchObject([
        {
          kind: 'step',
          what: 'the confirmation lapsed, no send having brought the new hash: the customer is untrusted again',
        },
        {
          kind: 'ended',
          outcome: 'TIMED_OUT',
          what: "no send brought the customer's new identity hash within 30 days of the confirmation: it lapsed, they are untrusted again, sends to them refused until an operator confirms again",
        },
      ]);
    });
  });

  it('ends after 30 days with a note; the customer stays untrusted; the audit reads the wait and the ending', async () => {
    await t.bench.run(async () => {
      const key = { phoneNumberId: '7001', waId: '15550007001' };
      const handle = await untrustedBy137000(key);
      const outcome = (await handle.result()) as IdentityOutcome;
      expect(outcome.stage).toBe('TIMED_OUT');
      expect(outcome.notes.at(-1)).toMatchObject({
        actor: 'numberflow',
        text: 'nobody confirmed the customer within 30 days: they stay untrusted, sends stay refused',
      });
      expect(await t.bench.identities.trust(key)).toMatchObject({ state: 'untrusted' });

      // The audit reads the run: the wait for the operator, its deadline passed, and the ending.
      const { entries, summary } = await auditOf(handle, key);
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
    });
  });
});
