// Stages 3–5: request a code, wait for an operator to submit it, verify it. No code in time → a new one,
// a bounded number of times; a wrong code → the operator tries again with the attempts left.
import { condition } from '@temporalio/workflow';
import { journeyPolicy } from '../../domain/policy.js';
import { end, failedByMeta } from './ending.js';
import { answer, refuse } from './inbox.js';
import { callMeta, graph, isMetaError } from './meta.js';
import type { Journey } from './state.js';

const codeRemediation =
  'Check that the number receives SMS or calls from international numbers (behind an IVR: use VOICE, allow-list ' +
  "Meta's caller numbers and redirect the call to a person or mailbox), that it is not registered elsewhere, then start a new journey.";

export async function verifyOwnership(journey: Journey): Promise<void> {
  await requestCode(journey);
  for (;;) {
    journey.enter('AWAITING_OTP', {
      for: 'operator',
      reason: waitingReason(journey),
      until: new Date(journey.codeExpiresAt ?? Date.now()).toISOString(),
    });
    await condition(
      () => journey.otp !== null || journey.resend !== null,
      Math.max(0, (journey.codeExpiresAt ?? 0) - Date.now()),
    );
    // A code submitted before a resend was meant for the code Meta had sent: verify it first.
    if (journey.otp) {
      if (await verify(journey)) return;
    } else if (journey.resend) {
      const { method, actor } = journey.resend;
      journey.resend = null;
      if (method) journey.codeMethod = method;
      journey.note(actor, `asked for a new code by ${journey.codeMethod}`);
      await requestCode(journey);
    } else {
      journey.note('numberflow', 'no code was submitted in time; requesting a new one');
      await requestCode(journey);
    }
  }
}

async function requestCode(journey: Journey): Promise<void> {
  const { maxCodeRequests } = journeyPolicy;
  if (journey.attempts.codeRequests >= maxCodeRequests) {
    throw end(
      'FAILED',
      'OTP_NOT_VERIFIED',
      `${maxCodeRequests} codes were requested and none was verified`,
      `OTP verification failed or timed out. ${codeRemediation}`,
    );
  }
  journey.enter('REQUESTING_CODE');
  journey.attempts.codeRequests += 1;
  const method = journey.codeMethod;
  try {
    const sent = await callMeta(journey, () =>
      graph.requestCode(journey.ref, { method, language: journey.input.language }),
    );
    if (!sent.certain) {
      journey.note('numberflow', 'Meta did not confirm the code request; if no code arrives, ask for a resend');
    }
  } catch (err) {
    throw failedByMeta(err, `Requesting the code by ${method}`);
  }
  journey.codeExpiresAt = Date.now() + journeyPolicy.otpWaitMs;
}

/** True when Meta accepted the code; false sends the operator back to AWAITING_OTP. */
async function verify(journey: Journey): Promise<boolean> {
  const submission = journey.otp;
  if (!submission) return false;
  journey.enter('VERIFYING_CODE');
  try {
    await callMeta(journey, () => graph.verifyCode(journey.ref, submission.value));
  } catch (err) {
    if (!isMetaError(err, 136025)) {
      answer(journey, 'otp', { accepted: false, message: 'Meta could not verify the code', attemptsLeft: null });
      throw failedByMeta(err, 'Verifying the code');
    }
    journey.attempts.wrongCodes += 1;
    const left = journeyPolicy.maxWrongCodes - journey.attempts.wrongCodes;
    journey.note(submission.actor, 'submitted a code that Meta refused');
    refuse(journey, 'otp', 'code', left);
    if (left <= 0) {
      throw end(
        'FAILED',
        'OTP_ATTEMPTS_EXHAUSTED',
        `${journeyPolicy.maxWrongCodes} wrong codes were submitted`,
        `OTP verification failed. ${codeRemediation}`,
      );
    }
    return false;
  }
  journey.note(submission.actor, 'submitted the code: verified');
  answer(journey, 'otp', { accepted: true, message: 'code accepted', attemptsLeft: null });
  return true;
}

function waitingReason(journey: Journey): string {
  const by = journey.codeMethod === 'VOICE' ? 'voice call' : 'SMS';
  const ivr = journey.input.ivr
    ? " The number is behind an IVR: allow-list Meta's caller numbers and redirect the call to a person or mailbox to capture the code."
    : '';
  return `an operator must submit the 6-digit code Meta sent by ${by}.${ivr}`;
}
