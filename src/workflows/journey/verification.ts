// Stages 3–5: request a code, wait for an operator to submit it, verify it. No code in time → a new one,
// a bounded number of times; a wrong code → the operator tries again with the attempts left.
import { condition, isCancellation, patched } from '@temporalio/workflow';
import { refusal as undecryptableRefusal } from '../undecryptable-guard.js';
import type { CodeMethod } from '../../domain/journey.js';
import type { VerifyAnswer } from '../../activities/graph-activities.js';
import { codeLastsUntil as codeLastsUntilAt, journeyPolicy } from '../../domain/policy.js';
import { waitText } from '../../domain/wait-texts.js';
import { end, failedByMeta, JourneyEnd } from './ending.js';
import { wrongAnswer, type Submission } from './inbox.js';
import type { Journey } from './journey.js';
import { codeWaitEnds } from './state.js';
import { requestCode as requestCodeActivity } from './activity-proxies.js';
import { callMeta, type CallOptions } from './call-meta.js';
import { isMetaError, metaErrorOf, timedOut } from './failures.js';
import { verifyTheCode } from './in-task-calls.js';
import {
  EXPIRED_WHILE_WAITING_PATCH,
  FIRST_CODE_REFUSED_PATCH,
  REFUSED_CODE_WAITS_AN_HOUR_PATCH,
  REFUSED_NEW_CODE_PATCH,
  REFUSED_RESEND_PATCH,
  RESEND_AFTER_VERIFIED_PATCH,
  RESEND_KEEPS_ASKING_AGAIN_PATCH,
  RESEND_OUTAGE_KEEPS_THE_CODE_PATCH,
  SUBMITTED_IN_TIME_PATCH,
} from './patches.js';

export async function verifyOwnership(journey: Journey): Promise<void> {
  const { otp, resend } = journey.inbox;
  await requestCodeOrWait(journey, FIRST_CODE_REFUSED_PATCH);
  for (;;) {
    const waitEnds = codeWaitEnds(journey.state);
    journey.enter('AWAITING_OTP', {
      for: waitsForMeta(journey) ? 'meta' : 'operator',
      reason: waitingReason(journey),
      until: new Date(waitEnds ?? Date.now()).toISOString(),
    });
    await condition(() => otp.busy || resend.busy, Math.max(0, (waitEnds ?? 0) - Date.now()));
    // A code submitted before a resend was meant for the code Meta had sent: verify it first.
    if (otp.busy) {
      if (await verify(journey)) return dropResendAfterVerified(journey);
    } else if (resend.busy) {
      const { value: method, actor } = resend.take() ?? { value: null, actor: 'operator' };
      const sentBy = journey.state.codeMethod;
      if (method) journey.switchCodeMethod(method);
      journey.note(actor, `asked for a new code by ${journey.state.codeMethod}`);
      await resendCode(journey, sentBy);
    } else {
      // After a refusal no code may have been sent at all: the wait that ended is the refusal's.
      const waited =
        journey.state.codeRefusal?.askAgainAt != null
          ? "the wait after Meta's refusal ended"
          : 'no code was submitted in time';
      journey.note('numberflow', `${waited}; requesting a new one`);
      await requestCodeOrWait(journey, REFUSED_NEW_CODE_PATCH);
    }
  }
}

/** The number is verified: a resend still held asks for nothing, and says so. */
function dropResendAfterVerified(journey: Journey): void {
  const { resend } = journey.inbox;
  if (!resend.busy || !patched(RESEND_AFTER_VERIFIED_PATCH)) return;
  const { value: method, actor } = resend.take() ?? { value: null, actor: 'operator' };
  journey.note(
    actor,
    `asked for a new code${method ? ` by ${method}` : ''}: not asked for, the code submitted with it was verified first`,
  );
}

/**
 * A code numberflow asks for itself: the first, or a new one when a wait ends. Meta refusing it for asking too often
 * (136024: "try again later") ended the journey FAILED at once: the journey waits once more (an operator may ask for
 * a resend meanwhile) and asks again; refused again, it ends FAILED.
 */
async function requestCodeOrWait(journey: Journey, patch: string): Promise<void> {
  try {
    await requestCode(journey);
  } catch (err) {
    const limited = err instanceof JourneyEnd && err.result.metaError?.code === 136024;
    // A round's first code waits even after a refusal of an earlier round (a live rename's verification).
    const waitedOnce = patch !== FIRST_CODE_REFUSED_PATCH && journey.state.codeRefusal;
    if (!limited || waitedOnce || !patched(patch)) throw err;
    const later = patched(REFUSED_CODE_WAITS_AN_HOUR_PATCH);
    journey.codeRefused(err.result.reason, later ? Date.now() + journeyPolicy.codeRefusedWaitMs : true);
    const askedAgain = new Date(codeWaitEnds(journey.state) ?? Date.now()).toISOString();
    journey.note(
      'meta',
      `${err.result.reason}; numberflow asks once more at ${askedAgain} ${refusedAgain(journey)}, or ask for a resend then`,
    );
  }
}

/**
 * Asks Meta for a code. A request that surely failed (Meta answered an error, Graph unreachable before sending) is
 * made again at once; one that may have reached Meta (an answer lost, a worker that died mid-call) is never
 * repeated — a second code voids the first — and the operator is told. The count is what Meta may have received.
 */
async function requestCode(journey: Journey, options: Pick<CallOptions, 'noMetaWait'> = {}): Promise<void> {
  const { maxCodeRequests } = journeyPolicy;
  if (journey.state.attempts.codeRequests >= maxCodeRequests) {
    throw end('OTP_NOT_VERIFIED', { requests: maxCodeRequests });
  }
  journey.enter('REQUESTING_CODE');
  const method = journey.state.codeMethod;
  let certain: boolean;
  try {
    const sent = await callMeta(
      journey,
      () =>
        requestCodeActivity(journey.ref, { method, language: journey.input.language }).catch((err: unknown) => {
          if (timedOut(err)) return { certain: false };
          throw err;
        }),
      options,
    );
    certain = sent.certain;
  } catch (err) {
    throw failedByMeta(err, `Requesting the code by ${method}`);
  }
  journey.codeRequested(certain);
  if (!certain) {
    journey.note(
      'numberflow',
      `Meta may have sent a code by ${method} but did not confirm it; if none arrives within minutes, ask for a resend`,
    );
  }
}

/**
 * An operator's resend. Meta refusing it (136024, too many codes) ended the journey FAILED, though the code it sent
 * before may still stand and the journey asks for a new one by itself when its wait ends: the refusal is noted, and
 * the journey waits for that code, another resend, or the end of its wait.
 */
async function resendCode(journey: Journey, sentBy: CodeMethod): Promise<void> {
  // Meta down or limiting for longer than a first short wait, while the code sent before lasts a while yet and was
  // asked again by the same method: no new code was sent, and the operator keeps that one rather than waiting out the
  // outage with no code to submit. A switch of method (the code never arrived) waits for Meta, as before.
  let gaveUp = false;
  const noMetaWait = (waitMs: number) =>
    (gaveUp =
      waitMs > journeyPolicy.firstOutageWaitMs &&
      journey.state.codeMethod === sentBy &&
      (codeLastsUntil(journey) ?? 0) - Date.now() >= CODE_STILL_USABLE_MS &&
      patched(RESEND_OUTAGE_KEEPS_THE_CODE_PATCH));
  try {
    await requestCode(journey, { noMetaWait });
  } catch (err) {
    noteResendRefusal(journey, sentBy, resendRefusal(journey, sentBy, err, gaveUp));
  }
}

/**
 * A resend that sent no new code: Meta down past the first wait, the code sent before kept (`keptCode`); or refused,
 * while numberflow's own ask once more still waits (`stillAsking`), or asked when the journey's wait ends
 * (`asksWhenWaitEnds`).
 */
type ResendRefusal =
  | { kind: 'keptCode' | 'asksWhenWaitEnds'; reason: string }
  | { kind: 'stillAsking'; reason: string; askingAgainAt: number };

/** Sorts a resend's failure, the code sent before standing again and the refusal recorded; any other is thrown on. */
function resendRefusal(journey: Journey, sentBy: CodeMethod, err: unknown, gaveUp: boolean): ResendRefusal {
  if (gaveUp && err instanceof JourneyEnd) {
    journey.switchCodeMethod(sentBy); // the code that stands is the one sent before, by its method
    return { kind: 'keptCode', reason: err.result.reason };
  }
  const refused = err instanceof JourneyEnd && err.result.reasonCode.startsWith('META_');
  if (!refused || !patched(REFUSED_RESEND_PATCH)) throw err;
  journey.switchCodeMethod(sentBy); // the code that may stand is the one sent before, by its method
  const askingAgainAt = journey.state.codeRefusal?.askAgainAt ?? null;
  if (askingAgainAt !== null && askingAgainAt > Date.now() && patched(RESEND_KEEPS_ASKING_AGAIN_PATCH)) {
    journey.codeRefused(err.result.reason, askingAgainAt);
    return { kind: 'stillAsking', reason: err.result.reason, askingAgainAt };
  }
  // Refused again when the wait ends, the journey ends: that ask comes an hour on, as numberflow's own does.
  const later = patched(REFUSED_CODE_WAITS_AN_HOUR_PATCH);
  journey.codeRefused(err.result.reason, later ? Date.now() + journeyPolicy.codeRefusedWaitMs : false);
  return { kind: 'asksWhenWaitEnds', reason: err.result.reason };
}

/** The note for a resend that sent no new code: which code stands, and what comes next. */
function noteResendRefusal(journey: Journey, sentBy: CodeMethod, refusal: ResendRefusal): void {
  const { reason } = refusal;
  switch (refusal.kind) {
    case 'keptCode': {
      const until = new Date(codeLastsUntil(journey) ?? Date.now()).toISOString();
      journey.note(
        'meta',
        `${reason}: no new code was sent; the code sent before by ${sentBy} may still be used until ${until}: submit it, or ask again for a new code later`,
      );
      return;
    }
    case 'stillAsking':
      journey.note(
        'meta',
        `${reason}; numberflow still asks Meta once more at ${new Date(refusal.askingAgainAt).toISOString()} ${refusedAgain(journey)}, or ask again later`,
      );
      return;
    case 'asksWhenWaitEnds': {
      const waitEnds = Math.max(codeWaitEnds(journey.state) ?? 0, Date.now());
      const standsUntil = codeLastsUntil(journey) ?? 0;
      const next = `numberflow asks Meta once more when its wait ends at ${new Date(waitEnds).toISOString()} ${refusedAgain(journey)}, or ask again later`;
      journey.note(
        'meta',
        standsUntil > Date.now()
          ? `${reason}; the code sent before by ${sentBy} may still be used until ${new Date(standsUntil).toISOString()}: submit it; ${next}`
          : `${reason}; the code sent before has expired: ${next}`,
      );
    }
  }
}

const codeValidMinutes = journeyPolicy.codeValidMs / 60_000;

/** Whether the code the journey waits for is the last it asks Meta for. */
function lastCode(journey: Journey): boolean {
  return journey.state.attempts.codeRequests >= journeyPolicy.maxCodeRequests;
}

/** What follows when Meta refuses the code numberflow asks for once more: the journey ends, or a live rename. */
function refusedAgain(journey: Journey): string {
  return `(refused again, ${journey.endsFor()})`;
}

/** What to do for another code: ask for one, or, after the last, start again. */
function newCodeAdvice(journey: Journey): string {
  if (!lastCode(journey)) return 'ask for a new code';
  // A live number is never cancelled: its rename stops when the wait ends, and the name may be submitted again.
  return journey.applyingLiveRename
    ? 'let the display-name change stop, then submit the name again'
    : 'cancel and start again';
}

/**
 * Until when Meta's latest code lasts, or null before one was requested: about codeValidMs from its request (the
 * journey's wait, otpWaitMs from the same moment, outlasts it).
 */
function codeLastsUntil(journey: Journey): number | null {
  const { codeExpiresAt } = journey.state;
  return codeExpiresAt === null ? null : codeLastsUntilAt(codeExpiresAt);
}

/** When Meta's latest code expired, if it has; null while it lasts. */
function codeExpiredAt(journey: Journey): string | null {
  const lasted = codeLastsUntil(journey);
  return lasted !== null && Date.now() > lasted ? new Date(lasted).toISOString() : null;
}

/** What follows a code that expired while the journey waited: its own wait for a code may have ended meanwhile. */
function adviceAfterWaiting(journey: Journey): string {
  if ((codeWaitEnds(journey.state) ?? 0) > Date.now()) return newCodeAdvice(journey);
  return lastCode(journey)
    ? `it was the last code a journey asks for: ${journey.endsFor('OTP_NOT_VERIFIED')}`
    : 'numberflow requests a new code now';
}

/**
 * Whether a code submitted while it lasted is verified only now, past its life: taken in time and verified after a
 * wait, or submitted in time and taken late. A submission's time counts from the code's request to its taking (a
 * clock ahead of the journey's says nothing).
 */
function calledPastItsLife(journey: Journey, takenAt: number, submittedAt: number | undefined): boolean {
  const lasted = codeLastsUntil(journey);
  if (lasted === null || Date.now() <= lasted) return false;
  if (takenAt <= lasted) return patched(EXPIRED_WHILE_WAITING_PATCH);
  return submittedInTime(lasted, takenAt, submittedAt) && patched(SUBMITTED_IN_TIME_PATCH);
}

/** Whether a code taken past its life (`lasted`) was submitted within it, while that code stood. */
function submittedInTime(lasted: number, takenAt: number, submittedAt: number | undefined): submittedAt is number {
  return (
    submittedAt !== undefined &&
    submittedAt <= lasted &&
    submittedAt >= lasted - journeyPolicy.codeValidMs &&
    submittedAt <= takenAt
  );
}

/** What must be left of the code sent before for a resend to give up on it: time to type it in. */
const CODE_STILL_USABLE_MS = 60_000;

/**
 * How long after its submission a code may be taken before the task taking it may be a dead worker's run again:
 * longer than a code takes to reach a running worker, shorter than a dead worker's task takes to time out (10 s).
 */
const TAKEN_LATE_MS = 5_000;

const SHOWN_VERIFIED_UNSENT =
  'Meta already shows the number verified (by this code, sent by a worker that stopped before its answer, or a verification made elsewhere): the code was not sent again';

const SHOWN_VERIFIED =
  'Meta shows the number verified (by an earlier submission whose answer was lost, or a verification made elsewhere)';

/**
 * What became of a submitted code at Meta, sorted before it is worded (answerCode): a failure that ends the journey;
 * Meta's refusal (136025) of a code that expired while the journey held it, or of a wrong (or expired) one; or the
 * number verified, by this code, by an earlier one, or elsewhere.
 */
type CodeOutcome =
  | { kind: 'failed'; ending: JourneyEnd }
  /** `late`: when it was submitted, for a code taken after its life. */
  | { kind: 'expired'; expiredAt: string; late: number | undefined }
  /** `expired`: when the code had expired, if it had (Meta answers a wrong code and an expired one alike). */
  | { kind: 'wrong'; left: number; expired: string | null; refusal: unknown }
  | { kind: 'verified' | 'shownVerifiedUnsent' | 'refusedButShownVerified' };

/** True when Meta accepted the code; false sends the operator back to AWAITING_OTP. */
async function verify(journey: Journey): Promise<boolean> {
  const submission = journey.inbox.otp.peek();
  if (!submission) return false;
  journey.enterBriefly('VERIFYING_CODE'); // verified inside the task that took the code, in most runs
  const takenAt = Date.now();
  const call = verifyAtMeta(journey, submission, takenAt);
  let drawn: VerifyAnswer | undefined;
  try {
    drawn = await call.answer;
  } catch (err) {
    return answerCode(
      journey,
      submission,
      refusalOutcome(journey, submission, takenAt, err, call.expiredWhileWaiting()),
    );
  }
  return answerCode(journey, submission, answerOutcome(journey, drawn));
}

/**
 * The verify call at Meta, made again while Meta waits. Not async: verify awaits callMeta's own promise, so nothing
 * runs between Meta's answer and its wording. Whether the code expired while the journey held it is decided before
 * each call (calledPastItsLife holds a patched()), never after a local activity's answer.
 */
function verifyAtMeta(
  journey: Journey,
  submission: Submission<string>,
  takenAt: number,
): { answer: Promise<VerifyAnswer | undefined>; expiredWhileWaiting: () => boolean } {
  const { otp } = journey.inbox;
  // Taken long after it was submitted: a worker may have died with this code on its way to Meta, this task being
  // that one run again here — Meta is read first, not sent the code twice (an argument: replay never compares it).
  const mayHaveBeenSent = submission.submittedAt !== undefined && takenAt - submission.submittedAt > TAKEN_LATE_MS;
  let expiredWhileWaiting = false;
  const drawPin = journey.drawsPin;
  const answer = callMeta(
    journey,
    (repeat) => {
      expiredWhileWaiting = calledPastItsLife(journey, takenAt, submission.submittedAt);
      return verifyTheCode(journey, journey.ref, { code: submission.value }, { repeat, drawPin }, mayHaveBeenSent);
    },
    {
      onWait: (until, why) => {
        // Said where a second operator looks, once (the first answer empties the inbox): a code is held, whose, why.
        if (otp.peek() === submission)
          journey.note(submission.actor, `submitted a code, held while ${why}: numberflow verifies it after ${until}`);
        otp.acknowledge(`code received; ${why}: numberflow verifies it after ${until}`);
      },
    },
  );
  return { answer, expiredWhileWaiting: () => expiredWhileWaiting };
}

/** Sorts a failed verify call; a wrong code is counted. A cancellation is the ending's to answer. */
function refusalOutcome(
  journey: Journey,
  submission: Submission<string>,
  takenAt: number,
  err: unknown,
  expiredWhileWaiting: boolean,
): CodeOutcome {
  if (isCancellation(err)) throw err; // the ending answers the submission
  if (!isMetaError(err, 136025)) return { kind: 'failed', ending: failedByMeta(err, 'Verifying the code') };
  if (expiredWhileWaiting) {
    const expiredAt = codeExpiredAt(journey) ?? '';
    // Taken after its life (submitted within it, as calledPastItsLife found): Temporal held it while no worker ran,
    // where a code taken in time waited in the journey.
    const late = takenAt > (codeLastsUntil(journey) ?? 0) ? submission.submittedAt : undefined;
    return { kind: 'expired', expiredAt, late };
  }
  const left = journey.wrongCode();
  // Meta answers 136025 for a wrong code and an expired one alike: past the code's life, say it may be the latter.
  return { kind: 'wrong', left, expired: codeExpiredAt(journey), refusal: err };
}

/** Sorts Meta's answer to a verified code, taking the PIN it drew. */
function answerOutcome(journey: Journey, drawn: VerifyAnswer | undefined): CodeOutcome {
  const pin = drawnPin(drawn);
  if (pin !== null) journey.choosePin(pin);
  if (drawn?.shownVerifiedUnsent === true) return { kind: 'shownVerifiedUnsent' };
  if (drawn?.refusedButShownVerified === true) return { kind: 'refusedButShownVerified' };
  return { kind: 'verified' };
}

/**
 * The note and the answer to the submission for a code's outcome. True when the number is verified; a failure, and
 * the last wrong code, end the journey.
 */
function answerCode(journey: Journey, submission: Submission<string>, outcome: CodeOutcome): boolean {
  const { otp } = journey.inbox;
  switch (outcome.kind) {
    case 'failed': {
      // Said with Meta's answer and the ending: the operator's command is the one that hears it first.
      const { reason, outcome: ended } = outcome.ending.result;
      otp.answer({ accepted: false, message: `${reason}: ${journey.endsFor(undefined, ended)}`, attemptsLeft: null });
      throw outcome.ending;
    }
    case 'expired': {
      const { expiredAt, late } = outcome;
      const when = late !== undefined ? ` at ${new Date(late).toISOString()}` : '';
      const expired =
        late !== undefined
          ? 'before numberflow took it in (no worker ran meanwhile)'
          : 'while numberflow waited to verify it';
      journey.note(
        submission.actor,
        `submitted a code${when} that Meta refused: it expired at ${expiredAt} ${expired} (not counted as wrong)`,
      );
      otp.answer({
        accepted: false,
        message: `code expired ${expired} (Meta's code lasts about ${codeValidMinutes} minutes; this one expired at ${expiredAt}): ${adviceAfterWaiting(journey)}; not counted as a wrong attempt`,
        attemptsLeft: journeyPolicy.maxWrongCodes - journey.state.attempts.wrongCodes,
      });
      return false;
    }
    case 'wrong': {
      const { left, expired } = outcome;
      journey.note(
        submission.actor,
        expired
          ? `submitted a code that Meta refused (its code had expired at ${expired})`
          : 'submitted a code that Meta refused',
      );
      // Past the last attempt the answer says the journey ends: no advice then.
      const advice = left > 0 ? `: ${newCodeAdvice(journey)}` : '';
      const wrong = expired
        ? `wrong, or expired (Meta's code lasts about ${codeValidMinutes} minutes; this one expired at ${expired}${advice})`
        : 'wrong';
      otp.answer(wrongAnswer('code', left, journey.endsFor('OTP_ATTEMPTS_EXHAUSTED'), wrong));
      // The ending carries Meta's answer to the last code, as an ending by Meta's error does (the auditor's view).
      if (left <= 0)
        throw end(
          'OTP_ATTEMPTS_EXHAUSTED',
          { attempts: journeyPolicy.maxWrongCodes },
          { metaError: metaErrorOf(outcome.refusal) },
        );
      return false;
    }
    case 'shownVerifiedUnsent':
      // Not "accepted" either: the code was never sent this time, and may be wrong; the number is verified all the same.
      journey.note(submission.actor, `submitted a code; ${SHOWN_VERIFIED_UNSENT}`);
      otp.answer({
        accepted: true,
        message: `${SHOWN_VERIFIED_UNSENT}; numberflow goes on to registering`,
        attemptsLeft: null,
      });
      return true;
    case 'refusedButShownVerified':
      // Not "accepted": the code may have been wrong; the number is verified all the same, so the journey goes on.
      journey.note(submission.actor, `submitted a code that Meta refused, but ${SHOWN_VERIFIED}`);
      otp.answer({
        accepted: true,
        message: `Meta refused this code, but ${SHOWN_VERIFIED}; numberflow goes on to registering`,
        attemptsLeft: null,
      });
      return true;
    case 'verified':
      journey.note(submission.actor, 'submitted the code: verified');
      otp.answer({ accepted: true, message: 'code accepted', attemptsLeft: null });
      return true;
  }
}

/**
 * The PIN the verify call drew, or null: asked for none, or a run recorded before (its register draws one by local
 * activity, as then). `drawPin` is an argument, which replay never compares; the recorded answer decides — whether
 * there is one, never whether this worker can open it, so every worker replays the same commands. An answer sealed
 * with a key this worker lacks fails the journey naming the key, as an undecryptable input does.
 */
function drawnPin(answer: VerifyAnswer | undefined): string | null {
  if (answer === undefined || answer === null) return null;
  const refused = undecryptableRefusal([answer]);
  if (refused) throw refused;
  return answer.pin ?? null; // none drawn: Meta's refusal of a number it shows verified, answered without one
}

/**
 * Meta refused a new code and none sent before still lasts: the journey waits to ask Meta again, not for an operator
 * (who may still ask for a resend). State only.
 */
function waitsForMeta(journey: Journey): boolean {
  const lasts = codeLastsUntil(journey);
  return Boolean(journey.state.codeRefusal) && !(lasts !== null && lasts > Date.now());
}

function waitingReason(journey: Journey): string {
  const refusal = journey.state.codeRefusal;
  if (refusal) {
    const lasts = codeLastsUntil(journey) ?? 0;
    return waitText('CODE_REFUSED', {
      reason: refusal.reason,
      standingUntil: lasts > Date.now() ? new Date(lasts).toISOString() : null,
      refusedAgain: refusedAgain(journey),
    });
  }
  // The wait outlasts the code: Meta's codes last about 10 minutes, and one submitted later counts as a wrong one.
  // After the last code a journey asks for, the wait's end is the journey's (requestCode ends it).
  return waitText('CODE', {
    method: journey.state.codeMethod,
    ivr: journey.input.ivr,
    newCode: newCodeAdvice(journey),
    last: lastCode(journey) ? { of: journeyPolicy.maxCodeRequests, ends: journey.endsFor('OTP_NOT_VERIFIED') } : null,
    // A live number waiting for a code says why: its rename's register met Meta's 133006.
    liveRename: journey.applyingLiveRename,
    // A request whose answer was lost: a code may not have been sent at all (the operator would wait for nothing).
    unconfirmed: Boolean(journey.state.codeUnconfirmed),
  });
}
