// A number added by numberflow is the number asked for, also when its national number begins with its country
// code's digits (QA: +91 91234 56789 was added as +91 23456789 — Meta reads phone_number with or without the code).
import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useBench } from '../support/bench.js';

/** Numbers no other test uses: the tests' own are +1 415 …. */
const digits = (count: number) => String(randomInt(0, 10 ** count)).padStart(count, '0');

describe('adding a number (dev server + Graph sandbox)', () => {
  const t = useBench('dev');

  it("adds the number asked for when its national number begins with the country code's digits", async () => {
    // India (a mobile number beginning 91), Brazil (area code 55), Germany (Aurich, 04941): each added as itself,
    // its code sent to it.
    const numbers = [`+9191${digits(8)}`, `+55553${digits(7)}`, `+494941${digits(6)}`];
    await t.bench.run(async () => {
      for (const e164 of numbers) {
        const journey = await t.bench.start(t.bench.input({ phoneNumber: e164 }));
        const view = await journey.until((v) => v.stage === 'AWAITING_OTP' || v.result !== null, e164);
        expect(view.stage, `${e164}: ${JSON.stringify(view.result)}`).toBe('AWAITING_OTP');
        const ref = { wabaId: t.bench.wabaId, phoneNumberId: view.phoneNumberId as string };
        const atMeta = await t.bench.graph.getPhoneNumber(ref, ['display_phone_number']);
        expect(`+${(atMeta.display_phone_number ?? '').replace(/\D/g, '')}`).toBe(e164);
        expect(t.bench.sandbox.admin.outbox({ phoneNumberId: ref.phoneNumberId })).toHaveLength(1);
        await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
      }
    });
  });
});
