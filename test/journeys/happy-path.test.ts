import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitOtpUpdate } from '../../src/domain/messages.js';
import { createHarness, type Harness } from '../support/harness.js';
import { connectDevServer, type TestEnv } from '../support/temporal.js';

describe('a number onboarded end to end (dev server + Graph sandbox)', () => {
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

  it('goes from add to LIVE by SMS with one code, one verify and one register', async () => {
    const input = bench.input();
    await bench.run(async () => {
      const journey = await bench.start(input);
      const awaiting = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      expect(awaiting.waiting).toMatchObject({ for: 'operator' });
      const phoneNumberId = awaiting.phoneNumberId as string;
      const code = bench.sandbox.admin.latestCode(phoneNumberId) as string;
      const outcome = await env.client.workflow
        .getHandle(journey.workflowId)
        .executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'operator@acme' }] });
      expect(outcome).toEqual({ accepted: true, message: 'code accepted', attemptsLeft: null });

      await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW');
      bench.sandbox.admin.decideDisplayName(phoneNumberId, 'APPROVED');
      await bench.sandbox.admin.flushWebhooks();
      const live = await journey.until((v) => v.stage === 'LIVE', 'LIVE');
      expect(live).toMatchObject({
        phoneNumberId,
        status: 'CONNECTED',
        displayName: { current: 'Acme Support', status: 'APPROVED' },
        waiting: null,
        attempts: { codeRequests: 1, wrongCodes: 0, registerCalls: 1 },
      });
      const endpoints = bench.sandbox.admin.calls().map((c) => c.endpoint);
      expect(endpoints.filter((e) => e.endsWith('/request_code'))).toHaveLength(1);
      expect(endpoints.filter((e) => e.endsWith('/verify_code'))).toHaveLength(1);
      expect(endpoints.filter((e) => e.endsWith('/register'))).toHaveLength(1);
    });
  });
});
