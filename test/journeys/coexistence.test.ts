import { describe, expect, it } from 'vitest';
import {
  confirmDeletionSignal,
  numberEventSignal,
  requestRemovalUpdate,
  sendTestMessageUpdate,
} from '../../src/domain/messages.js';
import { portfolioQuery, portfolioWorkflowId } from '../../src/domain/portfolio.js';
import type { DisconnectionInfo } from '../../src/sandbox/accounts.js';
import type { NumberEvent } from '../../src/domain/events.js';
import { eventually } from '../api/support.js';
import { patchesIn } from '../support/history.js';
import { journeyTimeline } from '../../src/audit/journey-timeline.js';
import { freshNumber } from '../support/journeys.js';
import { useBench } from '../support/bench.js';

describe('a coexistence number: a WhatsApp Business App number linked through Embedded Signup', () => {
  const t = useBench('dev');

  /** A Business App number "Acme Shop" linked to the bench's WABA, as Embedded Signup's coexistence path leaves it. */
  const linkedNumber = () => {
    const e164 = freshNumber();
    const { phoneNumberId } = t.bench.sandbox.admin.linkCoexistenceNumber({
      wabaId: t.bench.wabaId,
      e164,
      verifiedName: 'Acme Shop',
    });
    return { e164, phoneNumberId };
  };

  /** The numbers holding a slot of the bench's portfolio. */
  const holders = async () =>
    (await t.env.client.workflow.getHandle(portfolioWorkflowId(t.bench.portfolioId)).query(portfolioQuery)).holders.map(
      (h) => h.e164,
    );

  const callsTo = (suffix: string) => t.bench.sandbox.admin.calls().filter((c) => c.endpoint.endsWith(suffix));

  it('goes live without a code or a register, runs both smb_app_data syncs, and is removed without deregister', async () => {
    const { e164, phoneNumberId } = linkedNumber();
    const input = t.bench.input({ phoneNumber: e164, phoneNumberId, path: 'coexistence', displayName: 'Acme Shop' });
    await t.bench.run(async () => {
      const journey = await t.bench.start(input);
      const live = await journey.until((v) => v.stage === 'LIVE', 'LIVE');
      expect(live).toMatchObject({
        path: 'coexistence',
        phoneNumberId,
        status: 'CONNECTED',
        displayName: { status: 'APPROVED' },
      });
      expect(live.notes.map((n) => n.what)).toEqual(
        expect.arrayContaining(['started the smb_app_state_sync sync', 'started the history sync']),
      );
      expect(callsTo('/request_code')).toHaveLength(0);
      expect(callsTo('/register')).toHaveLength(0);
      expect(callsTo('/smb_app_data')).toHaveLength(2);

      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      // A coexistence number stays on the Business App: the answer does not say it is deregistered.
      const answer = await handle.executeUpdate(requestRemovalUpdate, {
        args: [{ actor: 'admin@acme', role: 'admin', reason: 'back to the app only' }],
      });
      expect(answer.message).toBe(
        'removing: sends are paused, then a portfolio admin deletes it in WhatsApp Manager and confirms',
      );
      const waiting = await journey.until(
        (v) => v.stage === 'REMOVING' && v.waiting?.for === 'admin',
        'waiting for the admin',
      );
      // numberflow set no PIN on it: WhatsApp Manager's is the number's own, not one to read back.
      expect(live.pinSet).toBe(false);
      expect(waiting.waiting?.reason).toContain("where it asks for the two-step PIN, it is the number's own");
      expect(waiting.waiting?.reason).not.toContain('reveal-pin');
      t.bench.sandbox.admin.deleteNumber(phoneNumberId);
      await handle.signal(confirmDeletionSignal, { actor: 'admin@acme' });
      const removed = await journey.until((v) => v.result !== null, 'REMOVED');
      expect(removed.result?.outcome).toBe('REMOVED');
      expect(removed.status).toBeNull(); // Meta shows no number any more, not the CONNECTED it showed last
      expect(callsTo('/deregister')).toHaveLength(0);
    });
  });

  it("notes a sync Meta refuses with Meta's code and details, and goes live", async () => {
    const { e164, phoneNumberId } = linkedNumber();
    const input = t.bench.input({ phoneNumber: e164, phoneNumberId, path: 'coexistence', displayName: 'Acme Shop' });
    await t.bench.run(async () => {
      t.bench.sandbox.admin.injectFault({
        endpoint: 'POST /smb_app_data',
        kind: 'error',
        code: 100,
        details: 'the sync window of 24 hours has passed',
      });
      const journey = await t.bench.start(input);
      const live = await journey.until((v) => v.stage === 'LIVE', 'LIVE');
      expect(live.notes.map((n) => n.what)).toContainEqual(
        expect.stringMatching(
          /^refused the smb_app_state_sync sync \(error 100\): [^:]+: the sync window of 24 hours has passed\. Each sync runs once/,
        ),
      );
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('ends REMOVED, its slot freed, when the business disconnects it for good; stays live, paused, when Meta may reconnect it', async () => {
    await t.bench.run(async () => {
      const live = async () => {
        const { e164, phoneNumberId } = linkedNumber();
        const input = t.bench.input({
          phoneNumber: e164,
          phoneNumberId,
          path: 'coexistence',
          displayName: 'Acme Shop',
        });
        const journey = await t.bench.start(input);
        await journey.until((v) => v.stage === 'LIVE', 'LIVE');
        const handle = t.env.client.workflow.getHandle(journey.workflowId);
        // Meta's PARTNER_REMOVED naming the number, with its disconnection_info, through the webhook receiver.
        const disconnect = async (reason: DisconnectionInfo['reason'], initiatedBy: 'USER' | 'SYSTEM') => {
          t.bench.sandbox.admin.disconnectNumber(phoneNumberId, { reason, initiated_by: initiatedBy });
          await t.bench.sandbox.admin.flushWebhooks();
        };
        return { e164, journey, handle, disconnect };
      };

      const inactive = await live();
      await inactive.disconnect('PRIMARY_INACTIVITY', 'SYSTEM');
      const paused = await inactive.journey.until((v) => v.sendsPaused, 'sends paused');
      expect(paused).toMatchObject({ stage: 'LIVE', result: null });
      // numberflow's own test message is refused too, saying why.
      const test = await inactive.handle
        .executeUpdate(sendTestMessageUpdate, { args: [{ actor: 'ops@acme', to: '15551234567' }] })
        .catch((err: Error) => (err.cause as Error | undefined)?.message);
      expect(test).toMatch(
        /^the number cannot send a test message: its sends are paused: Meta stopped the number \(PARTNER_REMOVED \(PRIMARY_INACTIVITY, by SYSTEM\) at /,
      );

      const gone = await live();
      await gone.disconnect('ACCOUNT_DISCONNECTED', 'USER');
      const ended = await gone.journey.until((v) => v.result !== null, 'ended');
      expect(ended.result).toMatchObject({ outcome: 'REMOVED', reasonCode: 'DISCONNECTED_BY_BUSINESS', actor: 'meta' });
      expect(ended.result?.reason).toContain('ACCOUNT_DISCONNECTED, by USER');
      expect(ended.result?.remediation).toContain("Embedded Signup's coexistence flow again");
      await eventually(holders, (held) => !held.includes(gone.e164), 'the slot freed');
      expect(await holders()).toContain(inactive.e164);
      expect(patchesIn(await gone.handle.fetchHistory())).toContain('coexistence-disconnection-ends-the-journey');
      await inactive.handle.terminate('test done');
    });
  });

  it('ends a removal waiting for the deletion when the business disconnects the number instead', async () => {
    await t.bench.run(async () => {
      const { e164, phoneNumberId } = linkedNumber();
      const input = t.bench.input({ phoneNumber: e164, phoneNumberId, path: 'coexistence', displayName: 'Acme Shop' });
      const journey = await t.bench.start(input);
      await journey.until((v) => v.stage === 'LIVE', 'LIVE');
      const handle = t.env.client.workflow.getHandle(journey.workflowId);
      await handle.executeUpdate(requestRemovalUpdate, {
        args: [{ actor: 'admin@acme', role: 'admin', reason: 'leaving' }],
      });
      await journey.until((v) => v.stage === 'REMOVING' && v.waiting?.for === 'admin', 'waiting for the deletion');
      t.bench.sandbox.admin.disconnectNumber(phoneNumberId, { reason: 'ACCOUNT_DISCONNECTED', initiated_by: 'USER' });
      await t.bench.sandbox.admin.flushWebhooks();
      const ended = await journey.until((v) => v.result !== null, 'ended');
      expect(ended.result).toMatchObject({ outcome: 'REMOVED', reasonCode: 'DISCONNECTED_BY_BUSINESS' });
      await eventually(holders, (held) => !held.includes(e164), 'the slot freed');
    });
  });

  it("leaves a new journey of the number live when an earlier journey's disconnection is delivered again", async () => {
    await t.bench.run(async () => {
      const { e164, phoneNumberId } = linkedNumber();
      const input = () =>
        t.bench.input({ phoneNumber: e164, phoneNumberId, path: 'coexistence', displayName: 'Acme Shop' });
      const first = await t.bench.start(input());
      await first.until((v) => v.stage === 'LIVE', 'LIVE');
      t.bench.sandbox.admin.disconnectNumber(phoneNumberId, { reason: 'ACCOUNT_DISCONNECTED', initiated_by: 'USER' });
      await t.bench.sandbox.admin.flushWebhooks();
      const ended = await first.until((v) => v.result !== null, 'the first ended');
      const old = ended.recentEvents.find((e) => e.kind === 'partner_removed');
      // The business onboards the number again (Meta dates its events to the second: a second later at least);
      // Meta then delivers the old disconnection again, its old date.
      await new Promise((resolve) => setTimeout(resolve, Date.parse(old?.at ?? '') + 1_000 - Date.now()));
      const second = await t.bench.start(input());
      await second.until((v) => v.stage === 'LIVE', 'the second LIVE');
      const handle = t.env.client.workflow.getHandle(second.workflowId);
      await handle.signal(numberEventSignal, { ...(old as NumberEvent), wabaId: t.bench.wabaId });
      const heard = await second.until((v) => v.recentEvents.some((e) => e.kind === 'partner_removed'), 'the copy');
      expect(heard).toMatchObject({ stage: 'LIVE', result: null });
      await handle.terminate('test done');
    });
  });

  it('adopts a number whose phone_number_id shows it on the Business App, even when started as cloud_api', async () => {
    const { e164, phoneNumberId } = linkedNumber();
    await t.bench.run(async () => {
      // Started with another name than Meta's: the journey shows and follows Meta's, and says so.
      const journey = await t.bench.start(
        t.bench.input({ phoneNumber: e164, phoneNumberId, displayName: 'Acme Store' }),
      );
      const live = await journey.until((v) => v.stage === 'LIVE', 'LIVE');
      expect(live.path).toBe('coexistence');
      expect(live.displayName).toEqual({ current: 'Acme Shop', pending: null, status: 'APPROVED' });
      expect(live.notes.map((n) => n.what)).toContain(
        'Meta has the number under the display name "Acme Shop", not "Acme Store": the journey follows Meta\'s; ask for a name change once live to use another',
      );
      // The audit says the name Meta holds, which the journey took, where it read the number.
      const { entries } = await journeyTimeline(t.env.client, e164);
      expect(entries.find((e) => e.what === "read the WABA's owner, then the number at Meta")?.outcome).toMatch(
        /name "Acme Shop" APPROVED/,
      );
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });
});
