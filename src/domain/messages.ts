// The journey's and the portfolio's signals and updates. Every human action names its actor, so history
// records who did what. Updates are validated before they reach history; signals are fire-and-forget.
import { defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RoutedNumberEvent } from './events.js';
import type { CodeMethod } from './journey.js';

export interface OtpSubmission {
  code: string;
  actor: string;
  /**
   * When the operator submitted it (ISO 8601), stamped by the service or the CLI: Temporal may hold an update
   * while no worker runs, and a code taken after Meta's 10 minutes but submitted within them is no wrong attempt.
   */
  submittedAt?: string;
}
export interface PinSubmission {
  pin: string;
  actor: string;
}
export interface DisplayNameSubmission {
  displayName: string;
  actor: string;
}
export interface ResendRequest {
  /** Switch SMS ↔ VOICE; omitted keeps the current method. */
  method?: CodeMethod;
  actor: string;
}
export interface CancelRequest {
  reason: string;
  actor: string;
}
export const removalRoles = ['admin'] as const;
export interface RemovalRequest {
  actor: string;
  /** Only a portfolio admin can delete a number in WhatsApp Manager (docs/meta-graph-api.md#deletion). */
  role: string;
  reason: string;
}
export interface DeletionConfirmation {
  actor: string;
}
/** Only an admin may read back the two-step PIN numberflow set; the reveal is noted with who and why. */
export const pinRevealRoles = ['admin'] as const;
export interface PinRevealRequest {
  actor: string;
  role: string;
  reason: string;
}
/** The two-step PIN, sealed in history like every `pin` field: only a holder of the private secrets key reads it. */
export interface RevealedPin {
  pin: string;
}
/** A new Meta token was stored for the WABA (a new Embedded Signup, or `numberflow token set`). */
export interface TokenRenewal {
  wabaId: string;
  actor: string;
}

/** What an operator's submission led to, answered to the caller of the update. */
export interface SubmissionOutcome {
  accepted: boolean;
  message: string;
  attemptsLeft: number | null;
  /** Taken in, and still being worked on (Meta is slow, or the journey waits out a limit): see the journey. */
  pending?: boolean;
}

export const submitOtpUpdate = defineUpdate<SubmissionOutcome, [OtpSubmission]>('submitOtp');
export const otpSignal = defineSignal<[OtpSubmission]>('otp');
export const submitPinUpdate = defineUpdate<SubmissionOutcome, [PinSubmission]>('submitPin');
export const pinSignal = defineSignal<[PinSubmission]>('pin');
export const submitDisplayNameUpdate = defineUpdate<SubmissionOutcome, [DisplayNameSubmission]>('submitDisplayName');
export const displayNameSignal = defineSignal<[DisplayNameSubmission]>('displayName');
export const resendCodeSignal = defineSignal<[ResendRequest]>('resendCode');
/** The resend as an update: refused at once with the reason (not waiting for a code, SMS to an IVR), answered. */
export const resendCodeUpdate = defineUpdate<SubmissionOutcome, [ResendRequest]>('submitResend');
export const cancelSignal = defineSignal<[CancelRequest]>('cancel');
/** The cancel as an update: refused at once, with the reason, for a live number. */
export const cancelUpdate = defineUpdate<SubmissionOutcome, [CancelRequest]>('cancelJourney');
export const requestRemovalSignal = defineSignal<[RemovalRequest]>('requestRemoval');
/** The removal as an update: refused at once with the reason (not an admin, not live), answered. */
export const requestRemovalUpdate = defineUpdate<SubmissionOutcome, [RemovalRequest]>('submitRemoval');
export const confirmDeletionSignal = defineSignal<[DeletionConfirmation]>('confirmDeletion');
/** The confirmation as an update: answered once the journey has looked for the number at Meta. */
export const confirmDeletionUpdate = defineUpdate<SubmissionOutcome, [DeletionConfirmation]>(
  'submitDeletionConfirmation',
);
/** Turns Meta's identity-change check on or off for a live number (operators and admins). */
export interface IdentityCheckRequest {
  enabled: boolean;
  actor: string;
}
/** A live number sends a text to a WhatsApp user, proving it works (the post-launch test message). */
export interface TestMessageRequest {
  /** The customer's wa_id. */
  to: string;
  text?: string;
  actor: string;
}
export const setIdentityCheckUpdate = defineUpdate<SubmissionOutcome, [IdentityCheckRequest]>('setIdentityCheck');
export const sendTestMessageUpdate = defineUpdate<SubmissionOutcome, [TestMessageRequest]>('sendTestMessage');
export const revealPinUpdate = defineUpdate<RevealedPin, [PinRevealRequest]>('revealPin');
/** Sent to every running journey of the WABA: one waiting for a new token calls Meta again. */
export const tokenRenewedSignal = defineSignal<[TokenRenewal]>('tokenRenewed');
/** A Meta webhook event about this number, routed by the webhook receiver. */
export const numberEventSignal = defineSignal<[RoutedNumberEvent]>('numberEvent');
