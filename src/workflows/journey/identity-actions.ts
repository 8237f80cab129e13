// What an operator does about customers' identities on a live number: turn Meta's identity-change check on or off,
// and have the number send a test message to a WhatsApp user (the post-launch proof that it works). Both are updates
// answered with their outcome and noted in the journey's history; the send goes through the guarded send, so with
// the check on it carries the customer's stored hash, and an untrusted customer is refused.
import { ActivityFailure, ApplicationFailure, isCancellation, patched } from '@temporalio/workflow';
import { WA_ID } from '../../domain/identity.js';
import { pausedWords } from '../../domain/journey.js';
import type { IdentityCheckRequest, SubmissionOutcome, TestMessageRequest } from '../../domain/messages.js';
import { checkActor } from '../../domain/operator-input.js';
import { sendText, setIdentityCheck } from './activity-proxies.js';
import type { Journey } from './journey.js';
import { callMeta } from './call-meta.js';
import { metaErrorOf } from './failures.js';
import { LIVE_IDENTITY_ACTIONS_PATCH } from './patches.js';

export const DEFAULT_TEST_MESSAGE = 'numberflow test message: this number is live on WhatsApp.';
const MAX_TEXT = 4096;

/** Refuses what a live number cannot take now. */
export function checkLiveAction(journey: Journey, actor: unknown): void {
  checkActor(actor);
  if (journey.inbox.removal.busy) throw new Error('the number is being removed');
  // A rename verifying the number again owns the journey's waits (a handler's call to Meta would overwrite them):
  // messages still go through the API meanwhile.
  if (journey.applyingLiveRename) {
    throw new Error(
      `refused until the display-name change's registration ends (stage ${journey.stage}); messages still go through \`send\` or the API`,
    );
  }
  if (journey.stage !== 'LIVE') throw new Error(`this applies to a live number (stage ${journey.stage})`);
}

export function checkIdentityCheckRequest(journey: Journey, request: IdentityCheckRequest): void {
  checkLiveAction(journey, request.actor);
  if (typeof request.enabled !== 'boolean') throw new Error('enabled must be true or false');
}

export function checkTestMessage(journey: Journey, request: TestMessageRequest): void {
  checkLiveAction(journey, request.actor);
  // A validator's check (it never replays): runs before took a test message from a paused number.
  const view = journey.view();
  if (view.sendsPaused) throw new Error(`the number cannot send a test message: ${pausedWords(view)}`);
  if (typeof request.to !== 'string' || !WA_ID.test(request.to)) {
    throw new Error("to must be the customer's wa_id: the digits of their WhatsApp number, e.g. 15551234567");
  }
  if (request.text !== undefined && (typeof request.text !== 'string' || request.text.trim() === '')) {
    throw new Error('the text is empty');
  }
  if (request.text !== undefined && request.text.length > MAX_TEXT) {
    throw new Error(`the text is longer than ${MAX_TEXT} characters`);
  }
}

/** `once`: a send, which is never retried (a rate limit says to send it again). */
function refused(journey: Journey, actor: string, what: string, err: unknown, once = false): SubmissionOutcome {
  if (isCancellation(err)) throw err;
  const meta = metaErrorOf(err);
  // Meta's code and trace id (its support asks for them).
  const message = meta
    ? `Meta ${meta.code}: ${meta.message}${meta.fbtraceId ? ` (fbtrace_id ${meta.fbtraceId})` : ''}` +
      (once && meta.errorClass === 'rate_limited'
        ? ' — a rate limit: send it again later (it is never retried, so never sent twice)'
        : '')
    : refusalOf(err);
  journey.note(actor, `${what} failed: ${message}`);
  return { accepted: false, message: `${what} failed: ${message}`, attemptsLeft: null };
}

/** The activity's own message (an untrusted customer's refusal names the way out). */
function refusalOf(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

export async function turnIdentityCheck(journey: Journey, request: IdentityCheckRequest): Promise<SubmissionOutcome> {
  patched(LIVE_IDENTITY_ACTIONS_PATCH);
  const what = `turning ${request.enabled ? 'on' : 'off'} the identity-change check`;
  const already = journey.identityCheck === request.enabled ? ' (it was already; Meta was told again)' : '';
  try {
    await callMeta(journey, () => setIdentityCheck(journey.ref, request.enabled));
  } catch (err) {
    journey.answeringAnUpdate();
    return refused(journey, request.actor, what, err);
  }
  journey.identityCheckSet(request.enabled, request.actor);
  journey.answeringAnUpdate(); // no continue-as-new in this task (live.ts)
  return {
    accepted: true,
    message: `the identity-change check is ${request.enabled ? 'on' : 'off'}${already}`,
    attemptsLeft: null,
  };
}

export async function sendTestMessage(journey: Journey, request: TestMessageRequest): Promise<SubmissionOutcome> {
  patched(LIVE_IDENTITY_ACTIONS_PATCH);
  const what = `the test message to ${request.to}`;
  try {
    const sent = await sendText({
      e164: journey.input.phoneNumber.e164,
      ref: journey.ref,
      identityCheck: journey.identityCheck,
      to: request.to,
      text: request.text?.trim() ?? DEFAULT_TEST_MESSAGE,
    });
    const how = sent.withHash ? `with the identity hash ${sent.withHash}` : 'without an identity hash';
    const message = `${what} was sent (${sent.messageId}, ${how})`;
    journey.note(request.actor, message);
    journey.answeringAnUpdate(); // no continue-as-new in this task (live.ts): a second message would be sent
    return { accepted: true, message, attemptsLeft: null };
  } catch (err) {
    journey.answeringAnUpdate();
    return refused(journey, request.actor, what, err, true);
  }
}
