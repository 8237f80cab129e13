import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { confirmDeletionSignal, requestRemovalSignal } from '../../src/domain/messages.js';
import { portfolioQuery, portfolioWorkflowId } from '../../src/domain/portfolio.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startLive } from '../support/steps.js';
import { connectDevServer, type TestEnv } from '../support/temporal.js';

describe("the portfolio's registered-number cap (dev server + Graph sandbox)", () => {
  let env: TestEnv;
  let bench: Harness | undefined;
  beforeAll(async () => {
    env = await connectDevServer();
  });
  afterEach(async () => {
    await bench?.close();
    bench = undefined;
  });
  afterAll(async () => env?.teardown());

  const portfolioState = (b: Harness) =>
    env.client.workflow.getHandle(portfolioWorkflowId(b.portfolioId)).query(portfolioQuery);

  it('queues a third number while the cap of 2 is reached, and lets it through when Meta raises the cap to 20', async () => {
    const b = (bench = await createHarness(env, { cap: 2 }));
    await b.run(async () => {
      const first = await b.start(b.input());
      const second = await b.start(b.input());
      await first.until((v) => v.stage === 'AWAITING_OTP', 'first AWAITING_OTP');
      await second.until((v) => v.stage === 'AWAITING_OTP', 'second AWAITING_OTP');
      const third = await b.start(b.input());
      const queued = await third.until((v) => v.waiting?.reason.includes('queue') === true, 'queued');
      expect(queued.stage).toBe('WAITING_FOR_CAPACITY');
      expect(queued.waiting?.reason).toContain("the portfolio's cap of 2 registered numbers is reached; place 1");
      expect((await portfolioState(b)).queue).toHaveLength(1);

      b.sandbox.admin.raiseCap(b.portfolioId, 20); // Meta sends business_capability_update
      await b.sandbox.admin.flushWebhooks();
      await third.until((v) => v.stage === 'AWAITING_OTP', 'third admitted');
      expect(await portfolioState(b)).toMatchObject({ cap: 20, queue: [] });
      expect((await portfolioState(b)).holders).toHaveLength(3);
    });
  });

  it('lets the next number through when a live number is removed', async () => {
    const b = (bench = await createHarness(env, { cap: 2 }));
    await b.run(async () => {
      const removedInput = b.input();
      const { journey: live, view } = await startLive(b, removedInput);
      const second = await b.start(b.input());
      await second.until((v) => v.stage === 'AWAITING_OTP', 'second AWAITING_OTP');
      const third = await b.start(b.input());
      await third.until((v) => v.waiting?.reason.includes('queue') === true, 'queued');

      const handle = env.client.workflow.getHandle(live.workflowId);
      await handle.signal(requestRemovalSignal, { actor: 'ops@acme', role: 'operator', reason: 'number retired' });
      const refused = await live.until(
        (v) => v.notes.some((n) => n.what.startsWith('removal refused')),
        'refusal noted',
      );
      expect(refused.stage).toBe('LIVE');
      expect(refused.notes.at(-1)?.what).toContain('lacks admin rights');

      await handle.signal(requestRemovalSignal, { actor: 'admin@acme', role: 'admin', reason: 'number retired' });
      const removing = await live.until((v) => v.waiting?.for === 'admin', 'waiting for the admin');
      expect(removing).toMatchObject({ stage: 'REMOVING', sendsPaused: true, status: 'DISCONNECTED' });
      expect(removing.waiting?.reason).toContain('WhatsApp Manager');
      expect((await third.view()).stage).toBe('WAITING_FOR_CAPACITY');

      b.sandbox.admin.deleteNumber(view.phoneNumberId as string); // the admin's deletion in WhatsApp Manager
      await handle.signal(confirmDeletionSignal, { actor: 'admin@acme' });
      const removed = await live.until((v) => v.result !== null, 'REMOVED');
      expect(removed.result).toMatchObject({ outcome: 'REMOVED', actor: 'admin@acme' });
      expect(removed.result?.reason).toContain('confirmed by admin@acme');
      await third.until((v) => v.stage === 'AWAITING_OTP', 'third admitted');
      expect(b.sandbox.admin.calls().filter((c) => c.endpoint.endsWith('/deregister'))).toHaveLength(1);

      // The removed number may be onboarded again: a new run under the same id; the old run stays readable.
      const firstRun = (await handle.describe()).runId;
      const again = await b.start({ ...b.input(), phoneNumber: removedInput.phoneNumber });
      expect(again.workflowId).toBe(live.workflowId);
      expect((await handle.describe()).runId).not.toBe(firstRun);
      expect((await env.client.workflow.getHandle(live.workflowId, firstRun).result()).outcome).toBe('REMOVED');
    });
  });
});
