// Steps an operator takes on a journey, for tests that need a journey further along than its start.
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { expect } from 'vitest';
import type { JourneyInput, JourneyResult, JourneyView } from '../../src/domain/journey.js';
import { submitOtpUpdate } from '../../src/domain/messages.js';
import { SandboxAdminError } from '../../src/sandbox/index.js';
import type { Harness, JourneyHandle } from './harness.js';

/** Waits for AWAITING_OTP and submits the code the sandbox delivered; answers the phone_number_id. */
export async function submitDeliveredCode(bench: Harness, journey: JourneyHandle): Promise<string> {
  const { phoneNumberId } = await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
  const code = bench.sandbox.admin.latestCode(phoneNumberId as string) as string;
  const outcome = await bench.env.client.workflow
    .getHandle(journey.workflowId)
    .executeUpdate(submitOtpUpdate, { args: [{ code, actor: 'operator@acme' }] });
  expect(outcome.accepted).toBe(true);
  return phoneNumberId as string;
}

/**
 * Meta's review decides the display name the journey waits on (through the webhook). `unlessDecided`: a sandbox that
 * reviews names by itself may have approved it already (the journey LIVE, nothing pending): nothing more to do.
 */
export async function decideName(
  bench: Harness,
  journey: JourneyHandle,
  decision: 'APPROVED' | 'REJECTED',
  { unlessDecided = false } = {},
): Promise<void> {
  const { phoneNumberId, stage, displayName } = await journey.until(
    (v) =>
      v.stage === 'DISPLAY_NAME_REVIEW' || (v.stage === 'LIVE' && (v.displayName.pending !== null || unlessDecided)),
    'a display name under review',
  );
  if (unlessDecided && stage === 'LIVE' && displayName.pending === null) return;
  // On the time-skipping server the journey's clock runs ahead of the sandbox's (Meta's): Meta decides now by the
  // server's clock, as it would, so that its decision is not dated before the name was sent.
  const lag = (await bench.env.currentTimeMs()) - bench.sandbox.admin.now();
  if (lag > 60_000) bench.sandbox.admin.advanceClock(lag);
  bench.sandbox.admin.decideDisplayName(
    phoneNumberId as string,
    decision,
    decision === 'REJECTED' ? 'NAME_FORMAT_UNACCEPTABLE' : undefined,
  );
  await bench.sandbox.admin.flushWebhooks();
}

/** Starts a journey and walks it to LIVE: code submitted, display name approved. */
export async function startLive(
  bench: Harness,
  input: JourneyInput = bench.input(),
): Promise<{ journey: JourneyHandle; view: JourneyView }> {
  const journey = await bench.start(input);
  await submitDeliveredCode(bench, journey);
  const reviewed = await journey.until((v) => v.stage === 'DISPLAY_NAME_REVIEW' || v.stage === 'LIVE', 'name review');
  // A sandbox that reviews names by itself (nameReviewDelayMs) may have approved it already, or does so between the
  // read above and the decision (seen under load): then its own approval is the one the journey gets.
  if (reviewed.stage === 'DISPLAY_NAME_REVIEW') {
    await decideName(bench, journey, 'APPROVED', { unlessDecided: true }).catch((err: unknown) => {
      if (!(err instanceof SandboxAdminError && err.message.includes('has no display name in review'))) throw err;
    });
  }
  return { journey, view: await journey.until((v) => v.stage === 'LIVE', 'LIVE') };
}

/**
 * Waits for a journey that was cancelled before going live: Temporal shows its run Canceled (the reason on the
 * cancel request), and the journey's query still answers how it ended.
 */
export async function cancelledResult(bench: Harness, journey: JourneyHandle): Promise<JourneyResult> {
  const handle = bench.env.client.workflow.getHandle(journey.workflowId);
  const failure = await handle.result().then(
    () => null,
    (err: unknown) => err,
  );
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  expect((await handle.describe()).status.name).toBe('CANCELLED');
  const { result } = await journey.view();
  expect(result?.outcome).toBe('CANCELLED');
  const history = await handle.fetchHistory();
  const request = history.events?.find((e) => e.workflowExecutionCancelRequestedEventAttributes);
  const cause = request?.workflowExecutionCancelRequestedEventAttributes?.cause;
  // An operator's cancel carries its reason to Temporal; Temporal's own carries whatever its caller gave.
  if (result?.reasonCode === 'CANCELLED_BY_OPERATOR') expect(cause).toBe(result.reason);
  return result as JourneyResult;
}

/**
 * A number someone added by hand and verified with Meta's code (Meta keeps it verified 14 days), and registered with
 * a PIN of their own when `registered`: its input, and Meta's id.
 */
export async function verifiedByHand(
  bench: Harness,
  { registered = false } = {},
): Promise<{ input: JourneyInput; id: string }> {
  const added = await addedByHand(bench);
  const ref = { wabaId: bench.wabaId, phoneNumberId: added.id };
  await bench.graph.requestCode(ref, { codeMethod: 'SMS', language: 'en_US' });
  await bench.graph.verifyCode(ref, bench.sandbox.admin.latestCode(added.id) as string);
  if (registered) await bench.graph.register(ref, { pin: '246810' });
  return added;
}

/** A number someone added to the WABA by hand (WhatsApp Manager) before any journey: its input, and Meta's id. */
export async function addedByHand(bench: Harness): Promise<{ input: JourneyInput; id: string }> {
  const input = bench.input();
  const { id } = await bench.graph.addPhoneNumber(bench.wabaId, {
    cc: input.phoneNumber.countryCallingCode,
    phoneNumber: input.phoneNumber.nationalNumber,
    verifiedName: input.displayName,
  });
  return { input, id };
}
