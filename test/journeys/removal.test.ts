import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmDeletionSignal, requestRemovalSignal } from '../../src/domain/messages.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startLive } from '../support/steps.js';
import { connectDevServer, connectTimeSkippingServer, type TestEnv } from '../support/temporal.js';

const DAY = 24 * 60 * 60 * 1000;
const removal = { actor: 'admin@acme', role: 'admin', reason: 'number retired' };

describe('removal blocked by a restriction (dev server + Graph sandbox)', () => {
  let env: TestEnv;
  let bench: Harness;
  beforeAll(async () => {
    env = await connectDevServer();
    bench = await createHarness(env);
  });
  afterAll(async () => {
    await bench?.close();
    await env?.teardown();
  });

  it('is blocked with its reason when Meta refuses the deregistration, and goes on when asked again', async () => {
    await bench.run(async () => {
      const { journey } = await startLive(bench);
      const handle = env.client.workflow.getHandle(journey.workflowId);
      bench.sandbox.admin.injectFault({ endpoint: 'POST /deregister', kind: 'error', code: 200, times: 1 });
      await handle.signal(requestRemovalSignal, removal);
      const blocked = await journey.until((v) => v.waiting?.reason.startsWith('removal blocked') === true, 'blocked');
      expect(blocked.stage).toBe('REMOVING');
      expect(blocked.waiting).toMatchObject({ for: 'admin' });
      expect(blocked.waiting?.reason).toContain('Meta refused the deregistration: error 200');
      expect(blocked.waiting?.reason).toContain('portfolio admin must grant');
      await handle.signal(requestRemovalSignal, removal);
      await journey.until(
        (v) => v.waiting?.reason.includes('WhatsApp Manager') === true,
        'deregistered, waiting for deletion',
      );
      await handle.terminate('test done');
    });
  });

  it("is blocked by an ACCOUNT_RESTRICTION webhook on the number's WABA", async () => {
    await bench.run(async () => {
      const { journey } = await startLive(bench);
      const handle = env.client.workflow.getHandle(journey.workflowId);
      await handle.signal(requestRemovalSignal, removal);
      await journey.until((v) => v.waiting?.for === 'admin', 'waiting for the deletion');
      bench.sandbox.admin.restrictWaba(bench.wabaId, 'RESTRICTED_ADD_PHONE_NUMBER_ACTION');
      await bench.sandbox.admin.flushWebhooks();
      const blocked = await journey.until((v) => v.waiting?.reason.startsWith('removal blocked') === true, 'blocked');
      expect(blocked.waiting?.reason).toContain('Meta restricted the account (RESTRICTED_ADD_PHONE_NUMBER_ACTION)');
      await handle.signal(confirmDeletionSignal, { actor: 'admin@acme' }); // not while blocked
      expect((await journey.view()).result).toBeNull();
      await handle.terminate('test done');
    });
  });
});

describe('removal after a paid message (time-skipping server + Graph sandbox)', () => {
  let env: TestEnv;
  let bench: Harness;
  beforeAll(async () => {
    env = await connectTimeSkippingServer();
    bench = await createHarness(env);
  });
  afterAll(async () => {
    await bench?.close();
    await env?.teardown();
  });

  it('waits out the 30-day block after a paid message before asking an admin to delete the number', async () => {
    await bench.run(async () => {
      const { journey, view } = await startLive(bench, bench.input({}, new Date(await env.currentTimeMs())));
      const phoneNumberId = view.phoneNumberId as string;
      bench.sandbox.admin.recordPaidMessage(phoneNumberId); // its billable status webhook reaches the journey
      await bench.sandbox.admin.flushWebhooks();
      await journey.until((v) => v.recentEvents.some((e) => e.kind === 'paid_message'), 'paid message recorded');

      const handle = env.client.workflow.getHandle(journey.workflowId);
      await handle.signal(requestRemovalSignal, removal);
      const blocked = await journey.until((v) => v.stage === 'REMOVING' && v.waiting?.for === 'meta', '30-day wait');
      expect(blocked.waiting?.reason).toContain('30 days after a paid message');
      expect(Date.parse(blocked.deadlines.deletionAllowedAt as string) - (await env.currentTimeMs())).toBeGreaterThan(
        29 * DAY,
      );
      expect(() => bench.sandbox.admin.deleteNumber(phoneNumberId)).toThrow(/paid message in the last 30 days/);

      await env.sleep(30 * DAY);
      await journey.until((v) => v.waiting?.for === 'admin', 'waiting for the admin');
      bench.sandbox.admin.advanceClock(30 * DAY);
      bench.sandbox.admin.deleteNumber(phoneNumberId);
      await handle.signal(confirmDeletionSignal, { actor: 'admin@acme' });
      const removed = await journey.until((v) => v.result !== null, 'REMOVED');
      expect(removed.result).toMatchObject({ outcome: 'REMOVED', actor: 'admin@acme' });
    });
  });
});
