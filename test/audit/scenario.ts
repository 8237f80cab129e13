// The scenario the audit tests read: a number that meets a wrong code, Meta's 133005 (the old PIN), a rejected
// display name, an operator's refused removal and an admin's removal, then is onboarded again and cancelled.
// It answers every secret it used, for the scans.
import type { temporal } from '@temporalio/proto';
import { expect } from 'vitest';
import {
  cancelUpdate,
  confirmDeletionSignal,
  requestRemovalSignal,
  submitDisplayNameUpdate,
  submitOtpUpdate,
  submitPinUpdate,
} from '../../src/domain/messages.js';
import { journeyTimeline } from '../../src/audit/index.js';
import type { Timeline } from '../../src/audit/types.js';
import { decodedPayloadTexts } from '../support/history.js';
import type { Harness } from '../support/harness.js';
import { decideName } from '../support/steps.js';

export const OLD_PIN = '246810';
/** Markup, quotes, a pipe and a comma: what the renderers and the CSV must carry as text. */
export const CANCEL_REASON = 'onboarded by mistake, <b>see</b> "ticket 12" | *urgent*';

export interface Scenario {
  e164: string;
  phoneNumberIds: string[];
  /** Every OTP, PIN and token the scenario used or Meta sent. */
  secrets: string[];
}

export async function removedThenOnboardedAgain(bench: Harness): Promise<Scenario> {
  const client = bench.env.client;
  // Its first run came by Embedded Signup (its 14-day window); the second is started without a signup time (none).
  const input = bench.input({ displayName: 'Best Deals Ever', signupAt: new Date().toISOString() });
  const e164 = input.phoneNumber.e164;
  bench.sandbox.admin.presetTwoStepPin(e164, OLD_PIN);
  const journey = await bench.start(input);
  const handle = client.workflow.getHandle(journey.workflowId);

  const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
  const code = bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
  const wrongCode = code === '000000' ? '111111' : '000000';
  const submitOtp = (otp: string) =>
    handle.executeUpdate(submitOtpUpdate, { args: [{ code: otp, actor: 'operator@acme' }] });
  expect(await submitOtp(wrongCode)).toMatchObject({ accepted: false, attemptsLeft: 2 });
  await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP again');
  expect(await submitOtp(code)).toMatchObject({ accepted: true });

  await journey.until((v) => v.stage === 'AWAITING_PIN', 'AWAITING_PIN (133005)');
  expect(await handle.executeUpdate(submitPinUpdate, { args: [{ pin: OLD_PIN, actor: 'owner@acme' }] })).toMatchObject({
    accepted: true,
  });

  await decideName(bench, journey, 'REJECTED');
  await journey.until((v) => v.stage === 'AWAITING_NEW_NAME', 'AWAITING_NEW_NAME');
  await handle.executeUpdate(submitDisplayNameUpdate, { args: [{ displayName: 'Acme Support', actor: 'ops@acme' }] });
  await decideName(bench, journey, 'APPROVED');
  await journey.until((v) => v.stage === 'LIVE', 'LIVE');

  await handle.signal(requestRemovalSignal, { actor: 'ops@acme', role: 'operator', reason: 'tidying up' });
  await journey.until((v) => v.notes.some((n) => n.what.startsWith('removal refused')), 'the refusal noted');
  await handle.signal(requestRemovalSignal, { actor: 'admin@acme', role: 'admin', reason: 'number retired' });
  await journey.until((v) => v.waiting?.for === 'admin', 'waiting for the deletion');
  bench.sandbox.admin.deleteNumber(phoneNumberId as string);
  await handle.signal(confirmDeletionSignal, { actor: 'admin@acme' });
  await journey.until((v) => v.result?.outcome === 'REMOVED', 'REMOVED');
  const firstHistory = await handle.fetchHistory();

  // Onboarded again: a new run of the same workflow id, cancelled while it waits for its code.
  const again = await bench.start(bench.input({ phoneNumber: e164 }));
  const second = await again.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP of the second run');
  const secondCode = bench.sandbox.admin.latestCode(second.phoneNumberId as string) as string;
  await client.workflow
    .getHandle(again.workflowId)
    .executeUpdate(cancelUpdate, { args: [{ actor: 'ops@acme', reason: CANCEL_REASON }] });
  await again.until((v) => v.result?.outcome === 'CANCELLED', 'CANCELLED');

  const codes = [phoneNumberId, second.phoneNumberId].flatMap((id) =>
    bench.sandbox.admin.outbox({ phoneNumberId: id as string }).map((entry) => entry.code),
  );
  return {
    e164,
    phoneNumberIds: [phoneNumberId as string, second.phoneNumberId as string],
    secrets: [
      ...new Set([...codes, code, wrongCode, secondCode, OLD_PIN, await generatedPin(firstHistory), bench.graphToken]),
    ],
  };
}

/**
 * The PIN the worker generated before Meta asked for the old one: the verify call's answer (an activity's, or a local
 * activity's marker), encrypted in history.
 */
async function generatedPin(history: temporal.api.history.v1.IHistory): Promise<string> {
  const answers = history.events?.filter(
    (e) => e.activityTaskCompletedEventAttributes ?? e.markerRecordedEventAttributes,
  );
  const texts = await decodedPayloadTexts({ events: answers ?? [] });
  // `{"pin":"…"}`, unsealed by the tests' converter (it holds the worker's secrets key).
  const pin = texts.map((text) => /^\{"pin":"(\d{6})"\}$/.exec(text)?.[1]).find(Boolean);
  expect(pin).toMatch(/^\d{6}$/);
  return pin as string;
}

/** The timeline once visibility shows every run closed (it lags behind history). */
export async function settledTimeline(bench: Harness, e164: string, runs: number): Promise<Timeline> {
  for (let attempt = 0; ; attempt++) {
    const timeline = await journeyTimeline(bench.env.client, e164);
    if (timeline.runs.length >= runs && timeline.runs.every((r) => r.closedAt !== null)) return timeline;
    if (attempt > 100) throw new Error(`visibility never showed ${runs} closed runs of ${e164}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The secrets found in `text`; a code or PIN counts only standing alone (not inside a longer id). */
export function secretsIn(text: string, secrets: string[]): string[] {
  return secrets.filter((secret) =>
    /^\d+$/.test(secret) ? new RegExp(`(?<![0-9A-Za-z])${secret}(?![0-9A-Za-z])`).test(text) : text.includes(secret),
  );
}
