import { describe, expect, it } from 'vitest';
import { submitOtpUpdate } from '../../src/domain/messages.js';
import { useBench } from '../support/bench.js';

describe('a number onboarded end to end (dev server + Graph sandbox)', () => {
  const t = useBench('dev');

  it('goes from add to LIVE by SMS with one code, one verify and one register', async () => {
    const input = t.bench.input();
    await t.bench.run(async () => {
      const journey = await t.bench.start(input);
      const awaiting = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      // The wait outlasts Meta's code: the reason says how long a code lasts, and that a new one comes at its end.
      expect(awaiting.waiting).toMatchObject({
        for: 'operator',
        reason:
          'an operator must submit the 6-digit code Meta sent by SMS within about 10 minutes (a later one counts as ' +
          'wrong: ask for a new code); a new one is requested when the wait ends.',
        until: awaiting.deadlines.codeExpiresAt,
      });
      const phoneNumberId = awaiting.phoneNumberId as string;
      const code = t.bench.sandbox.admin.latestCode(phoneNumberId) as string;
      const outcome = await t.env.client.workflow
        .getHandle(journey.workflowId)
        .executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'operator@acme' }] });
      expect(outcome).toEqual({ accepted: true, message: 'code accepted', attemptsLeft: null });

      await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW', 'DISPLAY_NAME_REVIEW');
      t.bench.sandbox.admin.decideDisplayName(phoneNumberId, 'APPROVED');
      await t.bench.sandbox.admin.flushWebhooks();
      const live = await journey.until((v) => v.stage === 'LIVE', 'LIVE');
      expect(live).toMatchObject({
        phoneNumberId,
        status: 'CONNECTED',
        displayName: { current: 'Acme Support', status: 'APPROVED' },
        waiting: null,
        attempts: { codeRequests: 1, wrongCodes: 0, registerCalls: 1 },
      });
      const endpoints = t.bench.sandbox.admin.calls().map((c) => c.endpoint);
      expect(endpoints.filter((e) => e.endsWith('/request_code'))).toHaveLength(1);
      expect(endpoints.filter((e) => e.endsWith('/verify_code'))).toHaveLength(1);
      expect(endpoints.filter((e) => e.endsWith('/register'))).toHaveLength(1);
    });
  });
});
