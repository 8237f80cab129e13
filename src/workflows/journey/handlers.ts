// The journey's message handlers: they check and delegate, nothing more. Updates validate before anything reaches
// history (a refused update leaves no event); signals cannot be refused, so a misplaced one is noted and dropped.
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { CancellationScope, patched, setHandler } from '@temporalio/workflow';
import { numberEventDateProblem, numberEventProblem } from '../../domain/events.js';
import { journeyQuery, numberPinQuery } from '../../domain/journey.js';
import { reasonWords } from '../../domain/words.js';
import {
  cancelSignal,
  cancelUpdate,
  confirmDeletionSignal,
  confirmDeletionUpdate,
  displayNameSignal,
  numberEventSignal,
  otpSignal,
  pinRevealRoles,
  pinSignal,
  requestRemovalSignal,
  requestRemovalUpdate,
  resendCodeSignal,
  resendCodeUpdate,
  revealPinUpdate,
  sendTestMessageUpdate,
  setIdentityCheckUpdate,
  submitDisplayNameUpdate,
  submitOtpUpdate,
  submitPinUpdate,
  tokenRenewedSignal,
  type CancelRequest,
  type RemovalRequest,
  type SubmissionOutcome,
} from '../../domain/messages.js';
import {
  checkActor,
  checkDisplayName,
  checkNewActor,
  checkPin,
  checkReason,
  checkSubmittedAt,
  CONTROL_CHARACTER_BEFORE_HALVES,
  isMessageObject,
  normaliseOtp,
  notAnObject,
  notedActor,
} from '../../domain/operator-input.js';
import { slotAnswerSignal } from '../../domain/portfolio.js';
import { checkIdentityCheckRequest, checkTestMessage, sendTestMessage, turnIdentityCheck } from './identity-actions.js';
import type { Inbox } from './inbox.js';
import type { Journey } from './journey.js';
import { whenSignalDropped } from '../undecryptable-guard.js';
import {
  checkDeletionAllowed,
  checkNewName,
  codesSpent,
  confirmationRefusal,
  idle,
  inStage,
  nameTurn,
  refusal,
  refuseWith,
  removalRefusal,
  resendRefusal,
} from './input-rules.js';
import {
  CONFIRMATION_HELD_PATCH,
  NAME_HOSTS_PATCH,
  NUMBER_EVENTS_CHECKED_PATCH,
  NUMBER_EVENT_DATES_PATCH,
  NUMBER_EVENT_WABA_PATCH,
  REMOVAL_STOPS_RENAME_PATCH,
  RESEND_LIMIT_PATCH,
  SIGNAL_WORDS_CHECKED_PATCH,
  SIGNAL_WORDS_WHOLE_PATCH,
  UPDATES_OUTLIVE_CANCEL_PATCH,
} from './patches.js';

export function installHandlers(journey: Journey): void {
  setHandler(journeyQuery, () => journey.view());
  setHandler(numberPinQuery, () => ({ pin: journey.numberPin }));

  // A signal the interceptor dropped (a secret sent in clear, one no key opens) is said where operators look.
  whenSignalDropped((name, why) => journey.note('numberflow', `signal ${name} dropped: ${why}`));
  const ignored = (name: string, words: PersonWords | null, problem: string) =>
    journey.note(notedActor(words?.actor), `signal ${name} ignored: ${problem}`);
  /**
   * A signal's handler for its argument when it is a JSON object. One sent by hand without one (`temporal workflow
   * signal` with no `--input`, or `null`) is noted and dropped: read as an object, it failed the workflow task, for
   * ever, and every query with it. No patch: such a signal either failed its task (null, no input) or, a number or an
   * array, reached no command through these handlers (a numberEvent of one was only kept in recentEvents; the
   * portfolio's slot answer, which could, is checked on its own).
   */
  const onSignal = <T>(signal: SignalDefinition<[T]>, handler: (arg: T) => void) =>
    setHandler(signal, (arg: T) => {
      journey.tookAnInput();
      if (!isMessageObject(arg))
        return journey.note('numberflow', `signal ${signal.name} ignored: ${notAnObject(arg)}`);
      // A person's words by signal (sent by hand) are held to the update's rules.
      const words = personSignals.has(signal.name) ? (arg as PersonWords) : null;
      const problem = words && wordsRefusal(words, CONTROL_CHARACTER_BEFORE_HALVES);
      if (problem && patched(SIGNAL_WORDS_CHECKED_PATCH)) return ignored(signal.name, words, problem);
      // Half of a character (a surrogate without its pair) too, under a patch of its own.
      const halves = words && !problem && wordsRefusal(words);
      if (halves && patched(SIGNAL_WORDS_WHOLE_PATCH)) return ignored(signal.name, words, halves);
      handler(arg);
    });
  /**
   * An update's handler and validator; the validator first refuses an argument that is not a JSON object, by name.
   * After Temporal's cancel (refused once live, or taken while the journey tidies up) the handler runs apart from it:
   * in the cancelled root scope its wait for the journey's answer and its calls failed at once ("Workflow
   * cancelled"), though the journey went on to act on the input.
   */
  const onUpdate = <T, R>(
    update: UpdateDefinition<R, [T]>,
    handler: (arg: T) => R | Promise<R>,
    validator: (arg: T) => void,
  ) =>
    setHandler(
      update,
      (arg: T) => {
        journey.tookAnInput(); // accepted: recorded in history (a refused update is not)
        return journey.cancelledThroughTemporal && patched(UPDATES_OUTLIVE_CANCEL_PATCH)
          ? CancellationScope.nonCancellable(async () => handler(arg))
          : handler(arg);
      },
      {
        validator: (arg: T) => {
          if (!isMessageObject(arg)) throw new Error(`${update.name}: ${notAnObject(arg)}`);
          validator(arg);
          const { actor } = arg as { actor?: unknown };
          if (actor !== undefined) checkNewActor(actor);
        },
      },
    );

  /**
   * An operator's input that comes as an update (validated, then answered with its outcome) or as a signal
   * (noted and dropped when refused). `turn` says whether the journey takes it now.
   */
  const submissions = <S extends { actor: string; submittedAt?: unknown }>({
    update,
    signal,
    inbox,
    what,
    valueOf,
    check,
    turn,
    newlyRefused = () => undefined,
    checkSignal = check,
  }: Submissions<S>) => {
    const validate = (submission: S, checked = check): string => {
      checkActor(submission.actor);
      turn();
      return checked(valueOf(submission));
    };
    onUpdate(
      update,
      (submission) => inbox.submit(validate(submission), submission.actor, submittedAtOf(submission)),
      (submission) => {
        newlyRefused(validate(submission));
        checkSubmittedAt(submission.submittedAt);
      },
    );
    onSignal(signal, (submission) => {
      const problem = refusal(() => validate(submission, checkSignal));
      if (problem) return journey.note(notedActor(submission.actor), `${what} ignored: ${problem}`);
      inbox.put(check(valueOf(submission)), submission.actor, submittedAtOf(submission));
    });
  };

  const { otp, pin, displayName, resend, removal, deletionConfirmation, slot } = journey.inbox;
  submissions({
    update: submitOtpUpdate,
    signal: otpSignal,
    inbox: otp,
    what: 'code',
    valueOf: (s) => s.code,
    check: normaliseOtp,
    turn: () => {
      inStage(journey, 'AWAITING_OTP', 'a code');
      idle(otp, 'a code');
    },
  });
  submissions({
    update: submitPinUpdate,
    signal: pinSignal,
    inbox: pin,
    what: 'PIN',
    valueOf: (s) => s.pin,
    check: checkPin,
    turn: () => {
      inStage(journey, 'AWAITING_PIN', 'a PIN');
      idle(pin, 'a PIN');
    },
  });
  submissions({
    update: submitDisplayNameUpdate,
    signal: displayNameSignal,
    inbox: displayName,
    what: 'display name',
    valueOf: (s) => s.displayName,
    check: (value) => checkDisplayName(value, { asRecorded: true }),
    turn: () => nameTurn(journey),
    newlyRefused: (name) => checkNewName(journey, name),
    // A name the host rule took for a web address before (Co.KG, Dr.Oz): a signal refused so replays refused.
    checkSignal: (value) =>
      checkDisplayName(value, { asRecorded: true, hostsAsBefore: () => !patched(NAME_HOSTS_PATCH) }),
  });

  onSignal(resendCodeSignal, (request) => {
    const spent = codesSpent(journey);
    const problem = resendRefusal(journey, request) ?? (spent !== null && patched(RESEND_LIMIT_PATCH) ? spent : null);
    if (problem) return journey.note(notedActor(request.actor), `resend ignored: ${problem}`);
    resend.put(request.method ?? null, request.actor);
  });
  onUpdate(
    resendCodeUpdate,
    (request): SubmissionOutcome => {
      resend.put(request.method ?? null, request.actor);
      const method = request.method ?? journey.state.codeMethod;
      return { accepted: true, pending: true, message: `asking Meta for a new code by ${method}`, attemptsLeft: null };
    },
    (request) => {
      refuseWith(resendRefusal(journey, request) ?? codesSpent(journey));
      idle(resend, 'a resend');
    },
  );

  // A cancel by signal (the API's before the update) may come without a reason; one by update says why.
  const cancel = (request: CancelRequest) =>
    journey.requestCancel({ actor: request.actor, reason: String(request.reason ?? '').trim() }, false);
  onSignal(cancelSignal, (request) => {
    if (refusal(() => checkActor(request.actor)))
      return journey.note(notedActor(request.actor), 'cancel ignored: no actor');
    cancel(request);
  });
  onUpdate(
    cancelUpdate,
    (request): SubmissionOutcome => {
      const refused = cancel(request);
      return refused
        ? { accepted: false, message: refused, attemptsLeft: null }
        : {
            accepted: true,
            message: cancellingMessage(journey),
            attemptsLeft: null,
            pending: true,
          };
    },
    (request) => {
      checkActor(request.actor);
      checkReason(request.reason);
      const refused = journey.cancelRefusal();
      if (refused) throw new Error(refused);
    },
  );

  /** Takes an accepted removal: a blocked one is tried again, a live number's starts. */
  const takeRemoval = (request: RemovalRequest): SubmissionOutcome => {
    if (journey.stage === 'REMOVING') {
      journey.note(request.actor, `asked to try the removal again${reasonWords(request.reason)}`);
      journey.liftRestriction();
      return { accepted: true, pending: true, message: 'trying the removal again', attemptsLeft: null };
    }
    removal.put(request, request.actor);
    // A coexistence number stays on the WhatsApp Business App: it is not deregistered (removal.ts).
    // Said as what comes next: the deregister may fail and be retried (`show` says where it stands).
    const deregistered = journey.state.coexistence ? '' : ' and the number is deregistered';
    return {
      accepted: true,
      pending: true,
      message: `removing: sends are paused${deregistered}, then a portfolio admin deletes it in WhatsApp Manager and confirms`,
      attemptsLeft: null,
    };
  };
  onSignal(requestRemovalSignal, (request) => {
    const problem = removalRefusal(journey, request, () => patched(REMOVAL_STOPS_RENAME_PATCH));
    if (problem) return journey.note(notedActor(request.actor), `removal refused: ${problem}`);
    takeRemoval(request);
  });
  // The reason is checked on the update only (validators never replay): a removal by signal recorded without one
  // still replays as it went.
  onUpdate(requestRemovalUpdate, takeRemoval, (request) => {
    refuseWith(removalRefusal(journey, request, () => true)); // a validator never replays
    checkReason(request.reason);
    idle(removal, 'a removal');
  });

  onSignal(confirmDeletionSignal, (confirmation) => {
    // Taken, it replaced a confirmation held for its update, which was then never answered (nor the run closed).
    const problem =
      confirmationRefusal(journey, confirmation) ??
      (deletionConfirmation.busy && patched(CONFIRMATION_HELD_PATCH)
        ? refusal(() => idle(deletionConfirmation, 'a deletion confirmation'))
        : null);
    if (problem) return journey.note(notedActor(confirmation.actor), `deletion confirmation ignored: ${problem}`);
    deletionConfirmation.put(null, confirmation.actor);
  });
  // Answered by the removal once it has looked for the number at Meta (removal.ts).
  onUpdate(
    confirmDeletionUpdate,
    ({ actor }) => deletionConfirmation.submit(null, actor),
    (confirmation) => {
      refuseWith(confirmationRefusal(journey, confirmation));
      idle(deletionConfirmation, 'a deletion confirmation');
      checkDeletionAllowed(journey);
    },
  );

  // The reason is checked by the validator only (it never replays): a reveal recorded under an older rule replays.
  onUpdate(
    revealPinUpdate,
    (request) => journey.revealPin({ ...request, reason: String(request.reason).trim() }),
    (request) => {
      checkActor(request.actor);
      if (!(pinRevealRoles as readonly string[]).includes(request.role)) {
        const given = typeof request.role === 'string' ? `role "${request.role}"` : 'a request without a role';
        throw new Error(`${given} may not read the two-step PIN; only an admin can (role "admin"), with a reason`);
      }
      checkReason(request.reason);
      if (!journey.numberPin) throw new Error(`numberflow set no two-step PIN on this number (stage ${journey.stage})`);
    },
  );

  onUpdate(
    setIdentityCheckUpdate,
    (request) => turnIdentityCheck(journey, request),
    (request) => checkIdentityCheckRequest(journey, request),
  );
  onUpdate(
    sendTestMessageUpdate,
    (request) => sendTestMessage(journey, request),
    (request) => checkTestMessage(journey, request),
  );

  onSignal(numberEventSignal, (event) => {
    // Meta's events come from the webhook receiver; one sent by hand in another shape made the view unreadable.
    const problem = numberEventProblem(event);
    if (problem !== null && patched(NUMBER_EVENTS_CHECKED_PATCH))
      return journey.note('numberflow', `a number event was ignored: ${problem}`);
    const dateProblem = problem === null ? numberEventDateProblem(event) : null;
    if (dateProblem !== null && patched(NUMBER_EVENT_DATES_PATCH))
      return journey.note('numberflow', `a number event was ignored: ${dateProblem}`);
    const { wabaId, ...numberEvent } = event;
    // Noted as Meta's, as the timeline shows it beside the webhook it answers. Checked here too: the receiver may be
    // newer than the worker.
    if (typeof wabaId === 'string' && wabaId !== journey.input.wabaId && patched(NUMBER_EVENT_WABA_PATCH)) {
      const shown = /^\d{1,25}$/.test(wabaId) ? `WABA ${wabaId}` : 'another WABA';
      return journey.note(
        'meta',
        `a ${event.kind} event of ${shown} about this number was ignored: the journey is on WABA ${journey.input.wabaId}`,
      );
    }
    journey.receive(numberEvent);
  });
  onSignal(tokenRenewedSignal, (renewal) => {
    // Sent to the WABA's journeys found by search attribute; one of another WABA has nothing to renew.
    if (renewal.wabaId === journey.input.wabaId) journey.tokenRenewed(notedActor(renewal.actor));
  });
  setHandler(slotAnswerSignal, (answer) => {
    // None or null failed its task before: dropped. The portfolio's answers always say `granted`; one sent by hand
    // without it is checked as a number event is.
    if (answer === null || answer === undefined) return journey.note('numberflow', 'an empty slot answer was ignored');
    const taken = isMessageObject(answer) && typeof answer.granted === 'boolean';
    if (!taken && patched(NUMBER_EVENTS_CHECKED_PATCH))
      return journey.note('numberflow', 'a slot answer that is not an object with `granted` was ignored');
    slot.put(answer, 'portfolio');
  });
}

/** The signals a person sends, each with an actor (and a cancel or a removal with a reason). */
const personSignals = new Set<string>([
  otpSignal.name,
  pinSignal.name,
  displayNameSignal.name,
  resendCodeSignal.name,
  cancelSignal.name,
  requestRemovalSignal.name,
  confirmDeletionSignal.name,
]);

interface PersonWords {
  actor?: unknown;
  reason?: unknown;
}

/**
 * Why a person's signal breaks the words' rules the updates keep, or null: a given actor, a given reason; `controls`
 * as the updates judge them now, or as they did before a patch.
 */
function wordsRefusal({ actor, reason }: PersonWords, controls?: RegExp): string | null {
  const given = (value: unknown) => typeof value === 'string' && value.trim() !== '';
  return (
    (given(actor) ? refusal(() => checkNewActor(actor, controls)) : null) ??
    (given(reason) ? refusal(() => checkReason(reason, controls)) : null)
  );
}

/** When a submission says it was submitted: malformed, refused by an update's validator and left out of a signal. */
function submittedAtOf(submission: { submittedAt?: unknown }): number | undefined {
  try {
    return checkSubmittedAt(submission.submittedAt);
  } catch {
    return undefined;
  }
}

/** What a cancel taken in says follows: a slot freed, a place in the queue left, or the ending alone. */
function cancellingMessage(journey: Journey): string {
  if (journey.state.slot === 'held') {
    return 'cancelling: the journey tidies up at Meta and frees its portfolio slot, unless Meta still counts the number (registered before the journey, or coexistence)';
  }
  if (journey.state.slot === 'queued') return "cancelling: the journey leaves the portfolio's queue and ends";
  return 'cancelling: the journey tidies up and ends';
}

/** An operator's input that comes as an update or as a signal (installHandlers' `submissions`). */
interface Submissions<S> {
  update: UpdateDefinition<SubmissionOutcome, [S]>;
  signal: SignalDefinition<[S]>;
  inbox: Inbox<string>;
  /** What it is, in a refused signal's note. */
  what: string;
  valueOf: (submission: S) => unknown;
  check: (value: unknown) => string;
  /** Throws unless the journey takes it now. */
  turn: () => void;
  /** What only the update refuses (validators never replay; signals took it before, and replay so). */
  newlyRefused?: (value: string) => void;
  /** The check of a signal, where it differs from the update's (a rule made looser behind a patch). */
  checkSignal?: (value: unknown) => string;
}
