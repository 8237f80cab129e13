// Stage 6: register with the two-step PIN. A number deleted and re-added keeps its old PIN (133005): the
// journey asks an operator for it. 133006 sends the number back through verification.
import { CancellationScope } from '@temporalio/workflow';
import { journeyPolicy } from '../../domain/policy.js';
import { end, failedByMeta } from './ending.js';
import { answer, nextSubmission, refuse } from './inbox.js';
import { callMeta, isMetaError, limited, local } from './meta.js';
import type { Journey } from './state.js';
import { verifyOwnership } from './verification.js';

/** Verifies (unless Meta already shows the code verified) and registers, looping when Meta asks to re-verify. */
export async function verifyAndRegister(journey: Journey, alreadyVerified: boolean): Promise<void> {
  let verified = alreadyVerified;
  for (;;) {
    if (!verified) await verifyOwnership(journey);
    if ((await register(journey)) === 'registered') return;
    journey.note('meta', 'Meta asks for the number to be verified again (133006)');
    verified = false;
  }
}

/** `applyingName`: the approved display name this register puts into effect (a re-register in LIVE). */
export async function register(journey: Journey, applyingName?: string): Promise<'registered' | 'reverify'> {
  if (!journey.pin) {
    journey.pin =
      journey.input.pinPolicy === 'operator'
        ? await takePin(journey, 'an operator must choose the 6-digit two-step PIN for this number')
        : await local.generatePin();
  }
  for (;;) {
    journey.enter('REGISTERING');
    const triedPin = journey.pinInput; // the operator's PIN being tried, answered below
    try {
      journey.attempts.registerCalls += 1;
      const pin = journey.pin;
      const registered = await callMeta(
        journey,
        // Not abandoned when the journey is cancelled or its window closes: a register that Meta may complete
        // must be waited for, or the number would be registered with nobody knowing.
        () =>
          CancellationScope.nonCancellable(() =>
            limited.registerNumber(journey.ref, { pin, ...(applyingName ? { applyingName } : {}) }),
          ),
        (until) =>
          answer(journey, 'pinInput', {
            accepted: true,
            message: `PIN received; Meta limits registration, so numberflow registers after ${until} (the journey shows the outcome)`,
            attemptsLeft: null,
          }),
      );
      journey.status = registered.status;
      journey.registered = true;
      if (triedPin)
        answer(journey, 'pinInput', { accepted: true, message: 'PIN accepted, number registered', attemptsLeft: null });
      return 'registered';
    } catch (err) {
      if (isMetaError(err, 133005)) {
        if (triedPin) refusePin(journey);
        journey.pin = await takePin(
          journey,
          'two-step verification already holds another PIN (was the number deleted and added again?): an operator must submit the old PIN',
        );
        continue;
      }
      if (triedPin)
        answer(journey, 'pinInput', { accepted: false, message: 'Meta refused the registration', attemptsLeft: null });
      if (isMetaError(err, 133006)) return 'reverify';
      throw failedByMeta(err, 'Registering the number');
    }
  }
}

function refusePin(journey: Journey): void {
  journey.attempts.wrongPins += 1;
  const left = journeyPolicy.maxWrongPins - journey.attempts.wrongPins;
  journey.note(journey.pinInput?.actor ?? 'operator', 'submitted a PIN that Meta refused');
  refuse(journey, 'pinInput', 'PIN', left);
  if (left <= 0) {
    throw end(
      'FAILED',
      'PIN_ATTEMPTS_EXHAUSTED',
      `${journeyPolicy.maxWrongPins} wrong two-step PINs were submitted`,
      'Two-step verification cannot be turned off through the API: a portfolio admin must turn it off in WhatsApp Manager (with email confirmation), then start a new journey.',
    );
  }
}

/** Waits in AWAITING_PIN for an operator's PIN; the submission stays open until the register answers it. */
async function takePin(journey: Journey, reason: string): Promise<string> {
  journey.enter('AWAITING_PIN', {
    for: 'operator',
    reason,
    until: new Date(Date.now() + journeyPolicy.humanInputWaitMs).toISOString(),
  });
  const submission = await nextSubmission(journey, 'pinInput', journeyPolicy.humanInputWaitMs);
  if (!submission) {
    throw end(
      'FAILED',
      'PIN_NOT_SUBMITTED',
      'no two-step PIN was submitted in time',
      "Find the number's two-step PIN (or have an admin turn two-step verification off in WhatsApp Manager), then start a new journey.",
    );
  }
  journey.note(submission.actor, 'submitted a two-step PIN');
  return submission.value;
}
