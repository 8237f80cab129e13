// The journey's message handlers. Updates validate before anything reaches history (a refused update leaves
// no event); signals cannot be refused, so a misplaced one is ignored and noted for the query.
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { Trigger, setHandler } from '@temporalio/workflow';
import type { NumberEvent } from '../../domain/events.js';
import { journeyQuery } from '../../domain/journey.js';
import {
  cancelSignal,
  confirmDeletionSignal,
  displayNameSignal,
  numberEventSignal,
  otpSignal,
  pinSignal,
  removalRoles,
  requestRemovalSignal,
  resendCodeSignal,
  slotGrantedSignal,
  submitDisplayNameUpdate,
  submitOtpUpdate,
  submitPinUpdate,
  type SubmissionOutcome,
} from '../../domain/messages.js';
import { checkActor, checkDisplayName, checkPin, normaliseOtp } from '../../domain/operator-input.js';
import { journeyStages, type JourneyStage } from '../../domain/stages.js';
import type { Inbox } from './inbox.js';
import type { Journey, Submission } from './state.js';

/** Stages in which an operator may still cancel the onboarding; once LIVE, a number is removed instead. */
const cancellableStages: readonly string[] = journeyStages.slice(0, journeyStages.indexOf('LIVE'));

export function installHandlers(journey: Journey, onCancel: () => void): void {
  setHandler(journeyQuery, () => journey.view());

  const inStage = (stage: JourneyStage, what: string) => {
    if (journey.stage !== stage) {
      throw new Error(`this journey is not waiting for ${what} (stage ${journey.stage})`);
    }
  };

  /**
   * An operator's input that comes as an update (validated, then answered with its outcome) or as a signal
   * (noted and dropped when refused). `turn` says whether the journey waits for it now.
   */
  const submissions = <S extends { actor: string }>(
    update: UpdateDefinition<SubmissionOutcome, [S]>,
    signal: SignalDefinition<[S]>,
    inbox: Inbox,
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
    setHandler(update, (submission) => awaitReply(journey, inbox, check(valueOf(submission)), submission.actor), {
      validator: (submission) => void validate(submission),
    });
    setHandler(signal, (submission) => {
      const problem = refusal(() => validate(submission));
      if (problem) return journey.note(String(submission.actor), `${what} ignored: ${problem}`);
      journey[inbox] = { value: check(valueOf(submission)), actor: submission.actor, reply: null };
    });
  };

  submissions(
    submitOtpUpdate,
    otpSignal,
    'otp',
    'code',
    (s) => s.code,
    normaliseOtp,
    () => {
      inStage('AWAITING_OTP', 'a code');
      if (journey.otp) throw new Error('a code is already being verified; wait for its outcome');
    },
  );
  submissions(
    submitPinUpdate,
    pinSignal,
    'pinInput',
    'PIN',
    (s) => s.pin,
    checkPin,
    () => {
      inStage('AWAITING_PIN', 'a PIN');
      if (journey.pinInput) throw new Error('a PIN is already being tried; wait for its outcome');
    },
  );
  submissions(
    submitDisplayNameUpdate,
    displayNameSignal,
    'newName',
    'display name',
    (s) => s.displayName,
    checkDisplayName,
    () => {
      if (journey.stage !== 'AWAITING_NEW_NAME' && journey.stage !== 'LIVE') {
        throw new Error(
          `this journey takes a new display name only when it is rejected or live (stage ${journey.stage})`,
        );
      }
      if (journey.removalRequest) throw new Error('the number is being removed');
      if (journey.newName || (journey.stage === 'LIVE' && journey.displayName.pending)) {
        throw new Error('a display-name change is already under way');
      }
    },
  );

  setHandler(resendCodeSignal, ({ method, actor }) => {
    const problem = refusal(() => {
      checkActor(actor);
      inStage('AWAITING_OTP', 'a resend');
      if (method === 'SMS' && journey.input.ivr) throw new Error('an IVR number cannot receive SMS; use VOICE');
    });
    if (problem) return journey.note(String(actor), `resend ignored: ${problem}`);
    journey.resend = { method: method ?? null, actor };
  });

  setHandler(cancelSignal, ({ reason, actor }) => {
    const problem = refusal(() => {
      checkActor(actor);
      if (journey.wentLive || !cancellableStages.includes(journey.stage)) {
        throw new Error(
          `a live number's journey cannot be cancelled (stage ${journey.stage}); request its removal instead`,
        );
      }
    });
    if (problem) return journey.note(String(actor), `cancel ignored: ${problem}`);
    journey.cancelRequest = { reason: String(reason ?? ''), actor };
    onCancel();
  });

  setHandler(requestRemovalSignal, (request) => {
    const problem = refusal(() => {
      checkActor(request.actor);
      if (!(removalRoles as readonly string[]).includes(request.role)) {
        throw new Error(
          `role "${request.role}" lacks admin rights on the portfolio; only an admin can remove a number`,
        );
      }
      if (journey.stage !== 'LIVE' && !(journey.stage === 'REMOVING' && journey.restriction)) {
        throw new Error(`removal applies to a live number (stage ${journey.stage}); cancel an onboarding instead`);
      }
    });
    if (problem) return journey.note(String(request.actor), `removal refused: ${problem}`);
    journey.removalRequest = request;
    journey.restriction = null; // a request while blocked means "try again"
  });

  setHandler(confirmDeletionSignal, ({ actor }) => {
    const problem = refusal(() => (checkActor(actor), inStage('REMOVING', 'a deletion confirmation')));
    if (problem) return journey.note(String(actor), `deletion confirmation ignored: ${problem}`);
    journey.deletionConfirmedBy = actor;
  });

  setHandler(numberEventSignal, (event) => onNumberEvent(journey, event));
  setHandler(slotGrantedSignal, () => {
    journey.slotGranted = true;
  });
}

function onNumberEvent(journey: Journey, event: NumberEvent): void {
  journey.recordEvent(event);
  switch (event.kind) {
    case 'name': {
      const awaited = journey.displayName.pending ?? journey.displayName.current;
      if (event.requestedName !== awaited) break; // a decision on an older request
      if (event.decision === 'APPROVED') journey.nameDecision = { approved: true };
      if (event.decision === 'REJECTED') journey.nameDecision = { approved: false, reason: event.rejectionReason };
      break;
    }
    case 'quality':
      if (event.event === 'ONBOARDING') journey.pollNow = true; // Meta's sign that registration took
      break;
    case 'status':
      journey.status = event.status;
      break;
    case 'paid_message':
      journey.lastPaidMessageAt = Math.max(journey.lastPaidMessageAt ?? 0, Date.parse(event.at));
      break;
    case 'restriction':
      // A restriction blocks a removal under way; before that it is recorded (Meta lifts many at their expiration).
      if (journey.stage !== 'REMOVING') {
        journey.note('meta', `restricted the account (${event.restrictionType})`);
        break;
      }
      journey.restriction = {
        reason: `Meta restricted the account (${event.restrictionType})`,
        remediation:
          'Deletion can be restricted by permissions, billing or account state: resolve the restriction in WhatsApp Manager (Account Quality), then request the removal again.',
      };
      break;
    case 'partner_removed':
      journey.note(
        'meta',
        `partner removed${event.reason ? ` (${event.reason}, by ${event.initiatedBy ?? 'unknown'})` : ''}`,
      );
      break;
    case 'account':
      break;
  }
}

/** Hands a submission to the waiting stage and answers the update once the stage has acted on it. */
async function awaitReply(journey: Journey, inbox: Inbox, value: string, actor: string): Promise<SubmissionOutcome> {
  const reply = new Trigger<SubmissionOutcome>();
  const submission: Submission<string> = { value, actor, reply };
  journey[inbox] = submission;
  return reply;
}

/** The message of what `check` throws, or null when it passes. */
function refusal(check: () => unknown): string | null {
  try {
    check();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
