// Stage 6: register with the two-step PIN. A number deleted and re-added keeps its old PIN (133005): the
// journey tries the PIN an earlier journey of the number set, then asks an operator. 133006 sends the number back
// through verification. Every register call counts toward Meta's 10 per 72 h: a repeated call reads Meta first,
// and the journey waits rather than exceed the budget.
import { CancellationScope, isCancellation, patched, sleep } from '@temporalio/workflow';
import { registrationTookEffect } from '../../domain/number.js';
import { CHOOSING_PIN } from '../../domain/journey.js';
import { journeyPolicy } from '../../domain/policy.js';
import { waitText } from '../../domain/wait-texts.js';
import { end, failedByMeta } from './ending.js';
import { wrongAnswer } from './inbox.js';
import type { Journey } from './journey.js';
import { deregisterNumber, generatePin, readNumber, registerNumber, rememberedPin } from './activity-proxies.js';
import { callMeta } from './call-meta.js';
import { isMetaError, metaErrorOf, timedOut } from './failures.js';
import { verifyOwnership } from './verification.js';
import { KeyMissingInReplay } from '../../codec/undecryptable.js';
import { refusal as undecryptableRefusal } from '../undecryptable-guard.js';
import {
  GUARD_READ_PATCH,
  INCOMPLETE_DEREGISTRATION_PATCH,
  LIMITED_NUMBER_PATCH,
  NAME_SHOWN_IS_NOT_REGISTERED_PATCH,
  REMEMBERED_PIN_PATCH,
} from './patches.js';

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
  const { pin } = journey.inbox;
  if (!journey.state.pin) {
    journey.choosePin(journey.input.pinPolicy === 'operator' ? await takePin(journey, CHOOSING_PIN) : await newPin());
  }
  let repeat = false;
  let remembered: string | null | undefined; // the PIN of an earlier journey: not looked up yet, none, or tried
  let finishedDeregistration = false; // once only: 133000 again after it ends the journey
  for (;;) {
    journey.enter('REGISTERING');
    const triedPin = pin.peek(); // the operator's PIN being tried, answered below
    try {
      const registered = await callMeta(
        journey,
        (afterWait) => registrationCall(journey, 'register', repeat || afterWait, applyingName),
        {
          onWait: (until, why) => {
            // Noted once: the first answer empties the inbox.
            if (triedPin && pin.peek() === triedPin)
              journey.note(
                triedPin.actor,
                `submitted a two-step PIN, held while ${why}: numberflow registers after ${until}`,
              );
            pin.acknowledge(
              `PIN received; ${why}: numberflow registers after ${until} (the journey shows the outcome)`,
            );
          },
        },
      );
      journey.registeredAtMeta(registered.status);
      journey.pinRegistered();
      if (triedPin) {
        journey.note(triedPin.actor, 'submitted a two-step PIN: registered');
        pin.answer({ accepted: true, message: 'PIN accepted, number registered', attemptsLeft: null });
      }
      return 'registered';
    } catch (err) {
      repeat = true;
      if (isMetaError(err, 133005)) {
        if (triedPin) refusePin(journey, err);
        else if (remembered === undefined && patched(REMEMBERED_PIN_PATCH)) {
          remembered = await rememberedPinOf(journey);
          if (remembered) {
            journey.choosePin(remembered);
            continue;
          }
        } else if (remembered) journey.note('meta', 'refused the PIN of the earlier journey too');
        journey.choosePin(await takePin(journey, waitText('OLD_PIN', { liveRename: journey.applyingLiveRename })));
        continue;
      }
      // Not in a live rename's register: a live number is never deregistered on the way (it stays live as it was).
      const curable = !finishedDeregistration && !journey.state.wentLive;
      if (isMetaError(err, 133000) && curable && patched(INCOMPLETE_DEREGISTRATION_PATCH)) {
        finishedDeregistration = true;
        await finishDeregistration(journey);
        continue;
      }
      if (triedPin) pin.answer({ accepted: false, message: registrationRefusal(journey, err), attemptsLeft: null });
      if (isMetaError(err, 133006)) return 'reverify';
      throw failedByMeta(err, 'Registering the number');
    }
  }
}

async function finishDeregistration(journey: Journey): Promise<void> {
  journey.note(
    'meta',
    'an earlier deregistration did not finish (133000): numberflow deregisters the number, then registers it again',
  );
  try {
    await callMeta(journey, (afterWait) => registrationCall(journey, 'deregister', afterWait));
  } catch (err) {
    if (isCancellation(err)) throw err;
    // "Not registered": the deregistration Meta asked for is done, which is all the cure needs.
    if (!isMetaError(err, 133010))
      throw failedByMeta(err, 'Deregistering the number (an earlier deregistration had not finished)');
    journey.note('meta', 'answered that the number is not registered (133010): numberflow registers it now');
  }
  journey.deregisteredAtMeta();
}

/**
 * A generated PIN, answered as `{pin}` so the codec seals it in history. A run recorded before replays the bare
 * string its local activity answered then: the same command either way, so no patch (and no extra event). Most
 * journeys have theirs drawn by the verify call already (verification.ts); this local activity draws it for the
 * rest — a number Meta showed verified, runs recorded before that — whose history says so by having no PIN there.
 */
async function newPin(): Promise<string> {
  const generated: string | { pin: string } = await generatePin();
  // Sealed with a secrets key this worker lacks: the journey fails naming it (replaying, the task waits for it).
  const unopened = undecryptableRefusal([generated]);
  if (unopened) throw unopened;
  return typeof generated === 'string' ? generated : generated.pin;
}

/**
 * Meta holds another PIN (133005): a number numberflow registered before and that was deleted and re-added keeps
 * the PIN an earlier journey set. It is tried once before an operator is asked; none found, or none readable, asks.
 */
async function rememberedPinOf(journey: Journey): Promise<string | null> {
  try {
    // The portfolio too: only its own earlier journeys' PINs (runs before sent none: the activity reads theirs).
    const answer = await rememberedPin({
      e164: journey.input.phoneNumber.e164,
      portfolioId: journey.input.portfolioId,
    });
    // Sealed with a secrets key this worker lacks (the codec marks the whole answer): it cannot be tried, and an
    // operator is asked; replaying a run that could, the task waits for the key (KeyMissingInReplay, not caught).
    const unopened = undecryptableRefusal([answer]);
    if (unopened) {
      journey.note(
        'numberflow',
        `could not open the PIN of an earlier journey (${unopened.message}); an operator is asked`,
      );
      return null;
    }
    const { pin } = answer;
    if (!pin || pin === journey.state.pin) return null;
    journey.note('numberflow', 'Meta holds another PIN: trying the one numberflow set in an earlier journey');
    return pin;
  } catch (err) {
    if (isCancellation(err) || err instanceof KeyMissingInReplay) throw err;
    journey.note('numberflow', 'could not look up the PIN of an earlier journey; an operator is asked');
    return null;
  }
}

/**
 * One register or deregister call, counted and kept within Meta's budget. `repeat`: an earlier call for the same
 * purpose may have reached Meta, so Meta is read first and the call is made only if it has not taken. Not abandoned when the journey is cancelled or
 * its window closes: a call Meta may complete must be waited for, or the number would change with nobody knowing.
 */
export async function registrationCall(
  journey: Journey,
  kind: 'register' | 'deregister',
  repeat: boolean,
  applyingName?: string,
): Promise<{ status: string | null }> {
  const wait = journey.msUntilRegistrationCallAllowed();
  if (wait > 0) {
    journey.waitFor(
      'meta',
      'Meta allows 10 register and deregister calls per 72 h; numberflow waits',
      Date.now() + wait,
    );
    await sleep(wait);
  }
  const ref = journey.ref;
  const pin = journey.state.pin ?? '';
  return CancellationScope.nonCancellable(async () => {
    // The read before a repeated call is an activity of its own, retried on a blip like any read: inside the
    // never-retried call, one transient error on it cost the journey an outage wait.
    if (repeat && patched(GUARD_READ_PATCH)) {
      const seen = await readNumber(ref);
      // A limited number is registered still.
      const limitedRegistered = () => patched(LIMITED_NUMBER_PATCH);
      // The name shown is not the register's work done unless the number is registered too.
      const nameAlone = () =>
        kind === 'register' &&
        !seen.gone &&
        applyingName !== undefined &&
        seen.verifiedName === applyingName &&
        !patched(NAME_SHOWN_IS_NOT_REGISTERED_PATCH);
      if (registrationTookEffect(kind, seen, applyingName, limitedRegistered) || nameAlone()) {
        return { status: seen.gone ? null : seen.status };
      }
      repeat = false;
    }
    journey.registrationCall(kind);
    try {
      if (kind === 'deregister') return await deregisterNumber(ref, { repeat });
      return await registerNumber(ref, { pin, repeat, ...(applyingName ? { applyingName } : {}) });
    } catch (err) {
      // A worker that died mid-call: the call may have taken; the next one is told to read Meta first.
      if (timedOut(err))
        journey.note('numberflow', `the ${kind} call got no answer; Meta is read before calling again`);
      throw err;
    }
  });
}

/** Meta refused the operator's PIN (`refusal`, its 133005): counted, answered, and past the last attempt the end. */
function refusePin(journey: Journey, refusal: unknown): void {
  const { pin } = journey.inbox;
  const left = journey.wrongPin();
  journey.note(pin.peek()?.actor ?? 'operator', 'submitted a PIN that Meta refused');
  pin.answer(wrongAnswer('PIN', left, journey.endsFor('PIN_ATTEMPTS_EXHAUSTED')));
  if (left <= 0)
    throw end('PIN_ATTEMPTS_EXHAUSTED', { attempts: journeyPolicy.maxWrongPins }, { metaError: metaErrorOf(refusal) });
}

/** Waits in AWAITING_PIN for an operator's PIN; the submission stays open until the register answers it. */
async function takePin(journey: Journey, reason: string): Promise<string> {
  journey.enter('AWAITING_PIN', {
    for: 'operator',
    reason,
    until: new Date(Date.now() + journeyPolicy.humanInputWaitMs).toISOString(),
  });
  const submission = await journey.inbox.pin.next(journeyPolicy.humanInputWaitMs);
  if (!submission) throw end('PIN_NOT_SUBMITTED', {});
  journey.note(submission.actor, 'submitted a two-step PIN');
  return submission.value;
}

/** What an operator whose PIN met another refusal than a wrong PIN is told: not that the PIN was wrong. */
function registrationRefusal(journey: Journey, err: unknown): string {
  // Stopped while it waited (Meta's limit): by the journey's cancel, a removal stopping a live rename, or the window
  // the registration had to happen in (the signup's 14 days, a rename's 14 days after the approval).
  if (isCancellation(err)) {
    if (journey.state.cancel) return 'the registration stopped: the journey is being cancelled';
    if (journey.state.wentLive && journey.inbox.removal.busy) {
      return "the registration stopped: an admin requested the number's removal";
    }
    return 'the registration stopped: the time it had to happen in has run out';
  }
  if (isMetaError(err, 133006)) {
    return "Meta refused the registration: the number's verification is no longer valid (133006); numberflow requests a new code — submit it, and the PIN is used once it is verified";
  }
  const meta = metaErrorOf(err);
  return meta
    ? `Meta refused the registration (Meta error ${meta.code}: ${meta.message}): ${journey.endsFor()}`
    : 'Meta refused the registration';
}
