// The journey's message handlers: they check and delegate, nothing more. Updates validate before anything reaches
// history (a refused update leaves no event); signals cannot be refused, so a misplaced one is noted and dropped.
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { patched, setHandler } from '@temporalio/workflow';
import { journeyQuery } from '../../domain/journey.js';
import { journeyPolicy } from '../../domain/policy.js';
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
  removalRoles,
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
  type DeletionConfirmation,
  type RemovalRequest,
  type ResendRequest,
  type SubmissionOutcome,
} from '../../domain/messages.js';
import { checkActor, checkDisplayName, checkPin, checkReason, normaliseOtp } from '../../domain/operator-input.js';
import { slotAnswerSignal } from '../../domain/portfolio.js';
import type { JourneyStage } from '../../domain/stages.js';
import { checkIdentityCheckRequest, checkTestMessage, sendTestMessage, turnIdentityCheck } from './identity-actions.js';
import type { Inbox } from './inbox.js';
import type { Journey } from './journey.js';

export function installHandlers(journey: Journey): void {
  setHandler(journeyQuery, () => journey.view());

  const inStage = (stage: JourneyStage, what: string) => {
    if (journey.stage !== stage) throw new Error(`this journey is not waiting for ${what} (stage ${journey.stage})`);
    if (journey.state.cancel) throw new Error('the journey is being cancelled');
  };
  const idle = (inbox: Inbox<unknown>, what: string) => {
    if (inbox.busy) throw new Error(`${what} is already being worked on; wait for its outcome`);
  };

  /**
   * An operator's input that comes as an update (validated, then answered with its outcome) or as a signal
   * (noted and dropped when refused). `turn` says whether the journey takes it now.
   */
  const submissions = <S extends { actor: string }>(
    update: UpdateDefinition<SubmissionOutcome, [S]>,
    signal: SignalDefinition<[S]>,
    inbox: Inbox<string>,
    what: string,
    valueOf: (submission: S) => unknown,
    check: (value: unknown) => string,
    turn: () => void,
  ) => {
    const validate = (submission: S): string => {
      checkActor(submission.actor);
      turn();
      return check(valueOf(submission));
    };
    setHandler(update, (submission) => inbox.submit(validate(submission), submission.actor), {
      validator: (submission) => void validate(submission),
    });
    setHandler(signal, (submission) => {
      const problem = refusal(() => validate(submission));
      if (problem) return journey.note(String(submission.actor), `${what} ignored: ${problem}`);
      inbox.put(check(valueOf(submission)), submission.actor);
    });
  };

  const { otp, pin, displayName, resend, removal, deletionConfirmation, slot } = journey.inbox;
  submissions(
    submitOtpUpdate,
    otpSignal,
    otp,
    'code',
    (s) => s.code,
    normaliseOtp,
    () => {
      inStage('AWAITING_OTP', 'a code');
      idle(otp, 'a code');
    },
  );
  submissions(
    submitPinUpdate,
    pinSignal,
    pin,
    'PIN',
    (s) => s.pin,
    checkPin,
    () => {
      inStage('AWAITING_PIN', 'a PIN');
      idle(pin, 'a PIN');
    },
  );
  submissions(
    submitDisplayNameUpdate,
    displayNameSignal,
    displayName,
    'display name',
    (s) => s.displayName,
    checkDisplayName,
    () => {
      if (journey.stage !== 'AWAITING_NEW_NAME' && journey.stage !== 'LIVE') {
        throw new Error(
          `this journey takes a new display name only when it is rejected or live (stage ${journey.stage})`,
        );
      }
      if (journey.state.cancel) throw new Error('the journey is being cancelled');
      if (removal.busy) throw new Error('the number is being removed');
      if (displayName.busy || (journey.stage === 'LIVE' && journey.state.displayName.pending)) {
        throw new Error('a display-name change is already under way');
      }
    },
  );

  const resendRefusal = ({ method, actor }: ResendRequest) =>
    refusal(() => {
      checkActor(actor);
      inStage('AWAITING_OTP', 'a resend');
      if (method !== undefined && method !== 'SMS' && method !== 'VOICE') {
        throw new Error(`the code method must be SMS or VOICE, got ${String(method)}`);
      }
      if (method === 'SMS' && journey.input.ivr) throw new Error('an IVR number cannot receive SMS; use VOICE');
    });
  // A resend past the codes a journey asks for ended it (OTP_NOT_VERIFIED), though the latest code still stood.
  const codesSpent = () => {
    const { maxCodeRequests } = journeyPolicy;
    if (journey.state.attempts.codeRequests < maxCodeRequests) return null;
    return `${maxCodeRequests} of ${maxCodeRequests} codes have been requested, the most a journey asks for: submit the latest code, or cancel`;
  };
  setHandler(resendCodeSignal, (request) => {
    // Runs from before the patch took the resend, and ended: they replay so.
    const spent = codesSpent();
    const problem = resendRefusal(request) ?? (spent !== null && patched(RESEND_LIMIT_PATCH) ? spent : null);
    if (problem) return journey.note(String(request.actor), `resend ignored: ${problem}`);
    resend.put(request.method ?? null, request.actor);
  });
  setHandler(
    resendCodeUpdate,
    (request): SubmissionOutcome => {
      resend.put(request.method ?? null, request.actor);
      const method = request.method ?? journey.state.codeMethod;
      return { accepted: true, pending: true, message: `asking Meta for a new code by ${method}`, attemptsLeft: null };
    },
    {
      validator: (request) => {
        refuseWith(resendRefusal(request) ?? codesSpent());
        idle(resend, 'a resend');
      },
    },
  );

  // A cancel by signal (the API's before the update) may come without a reason; one by update says why.
  const cancel = (request: CancelRequest) =>
    journey.requestCancel({ actor: request.actor, reason: String(request.reason ?? '').trim() }, false);
  setHandler(cancelSignal, (request) => {
    if (refusal(() => checkActor(request.actor)))
      return journey.note(String(request.actor), 'cancel ignored: no actor');
    cancel(request);
  });
  setHandler(
    cancelUpdate,
    (request): SubmissionOutcome => {
      const refused = cancel(request);
      return refused
        ? { accepted: false, message: refused, attemptsLeft: null }
        : {
            accepted: true,
            message: 'cancelling: the journey tidies up at Meta and gives its slot back',
            attemptsLeft: null,
            pending: true,
          };
    },
    {
      validator: (request) => {
        checkActor(request.actor);
        checkReason(request.reason);
        const refused = journey.cancelRefusal();
        if (refused) throw new Error(refused);
      },
    },
  );

  const removalRefusal = (request: RemovalRequest) =>
    refusal(() => {
      checkActor(request.actor);
      if (!(removalRoles as readonly string[]).includes(request.role)) {
        throw new Error(
          `role "${request.role}" lacks admin rights on the portfolio; only an admin can remove a number`,
        );
      }
      if (journey.stage === 'REMOVING' && !journey.state.restriction) {
        throw new Error('the number is being removed already (stage REMOVING)');
      }
      if (journey.stage !== 'LIVE' && journey.stage !== 'REMOVING') {
        throw new Error(`removal applies to a live number (stage ${journey.stage}); cancel an onboarding instead`);
      }
    });
  /** Takes an accepted removal: a blocked one is tried again, a live number's starts. */
  const takeRemoval = (request: RemovalRequest): SubmissionOutcome => {
    if (journey.stage === 'REMOVING') {
      journey.note(request.actor, 'asked to try the removal again');
      journey.liftRestriction();
      return { accepted: true, pending: true, message: 'trying the removal again', attemptsLeft: null };
    }
    removal.put(request, request.actor);
    return {
      accepted: true,
      pending: true,
      message:
        'removing: sends are paused and the number deregistered; then a portfolio admin deletes it in WhatsApp Manager and confirms',
      attemptsLeft: null,
    };
  };
  setHandler(requestRemovalSignal, (request) => {
    const problem = removalRefusal(request);
    if (problem) return journey.note(String(request.actor), `removal refused: ${problem}`);
    takeRemoval(request);
  });
  // The reason is checked on the update only (validators never replay): a removal by signal recorded without one
  // still replays as it went.
  setHandler(requestRemovalUpdate, takeRemoval, {
    validator: (request) => {
      refuseWith(removalRefusal(request));
      checkReason(request.reason);
      idle(removal, 'a removal');
    },
  });

  const confirmationRefusal = ({ actor }: DeletionConfirmation) =>
    refusal(() => (checkActor(actor), inStage('REMOVING', 'a deletion confirmation')));
  setHandler(confirmDeletionSignal, (confirmation) => {
    const problem = confirmationRefusal(confirmation);
    if (problem) return journey.note(String(confirmation.actor), `deletion confirmation ignored: ${problem}`);
    deletionConfirmation.put(null, confirmation.actor);
  });
  // Answered by the removal once it has looked for the number at Meta (removal.ts).
  setHandler(confirmDeletionUpdate, ({ actor }) => deletionConfirmation.submit(null, actor), {
    validator: (confirmation) => {
      refuseWith(confirmationRefusal(confirmation));
      idle(deletionConfirmation, 'a deletion confirmation');
      const blocked = journey.state.restriction;
      if (blocked) throw new Error(`the removal is blocked: ${blocked.reason}; request the removal again first`);
    },
  });

  // The reason is checked by the validator only (it never replays): a reveal recorded under an older rule replays.
  setHandler(revealPinUpdate, (request) => journey.revealPin({ ...request, reason: String(request.reason).trim() }), {
    validator: (request) => {
      checkActor(request.actor);
      if (!(pinRevealRoles as readonly string[]).includes(request.role)) {
        throw new Error(`role "${request.role}" may not read the two-step PIN; only an admin can, with a reason`);
      }
      checkReason(request.reason);
      if (!journey.numberPin) throw new Error(`numberflow set no two-step PIN on this number (stage ${journey.stage})`);
    },
  });

  setHandler(setIdentityCheckUpdate, (request) => turnIdentityCheck(journey, request), {
    validator: (request) => checkIdentityCheckRequest(journey, request),
  });
  setHandler(sendTestMessageUpdate, (request) => sendTestMessage(journey, request), {
    validator: (request) => checkTestMessage(journey, request),
  });

  setHandler(numberEventSignal, (event) => journey.receive(event));
  setHandler(tokenRenewedSignal, (renewal) => {
    // Sent to the WABA's journeys found by search attribute; one of another WABA has nothing to renew.
    if (renewal.wabaId === journey.input.wabaId) journey.tokenRenewed(String(renewal.actor));
  });
  setHandler(slotAnswerSignal, (answer) => slot.put(answer, 'portfolio'));
}

/** An update validator's refusal: the problem found, if any, thrown. */
function refuseWith(problem: string | null): void {
  if (problem !== null) throw new Error(problem);
}

/** From this patch on, a resend by signal past the codes a journey asks for is ignored, not taken. */
const RESEND_LIMIT_PATCH = 'resend-refused-at-the-code-limit';

/** The message of what `check` throws, or null when it passes. */
function refusal(check: () => unknown): string | null {
  try {
    check();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
