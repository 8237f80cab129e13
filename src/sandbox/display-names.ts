// Display-name review (docs/meta-graph-api.md#display-names, #account-and-number-fields): the name given at add time and every later change are reviewed,
// by an admin (decideDisplayName) or automatically after nameReviewDelayMs of sandbox time. An approved change
// takes effect only when the number registers again, within 14 days; after that it goes back to review.
import type { NAME_REJECTION_REASONS } from '../graph/webhook-fields.js';
import { DAY, withinWindow } from './clock.js';
import { type SandboxCore, SandboxAdminError, adminNumber, sendAccountWebhook } from './core.js';
import { invalidParameter } from './graph-error.js';
import type { NameChange, PhoneNumber } from './model.js';

export const NAME_DECISIONS = ['APPROVED', 'REJECTED'] as const;
export type NameDecision = (typeof NAME_DECISIONS)[number];
export type RejectionReason = (typeof NAME_REJECTION_REASONS)[number];

const REREGISTER_WINDOW_MS = 14 * DAY;
const NAME_CHANGES_PER_WINDOW = 10;
const NAME_CHANGE_WINDOW_MS = 30 * DAY;

export function submitInitialName(core: SandboxCore, number: PhoneNumber): void {
  number.nameStatus = 'PENDING_REVIEW';
  openReview(core, number);
}

/**
 * POST /{id}?new_display_name=. A number whose current name was never approved (pending or declined) simply
 * replaces it; an approved name stays in force while the new one is reviewed (new_display_name/new_name_status).
 */
export function requestNameChange(core: SandboxCore, number: PhoneNumber, name: string): void {
  const now = core.clock.now();
  number.nameChangeRequests = withinWindow(number.nameChangeRequests, now, NAME_CHANGE_WINDOW_MS);
  // ⚠ Meta documents the limit (10 per 30 days; docs/sandbox-assumptions.md#display-name-limit) but not its error code: 100 with the rule in details.
  if (number.nameChangeRequests.length >= NAME_CHANGES_PER_WINDOW) {
    throw invalidParameter('new_display_name: the display name can change at most 10 times in 30 days');
  }
  number.nameChangeRequests.push(now);
  if (number.nameStatus === 'APPROVED') {
    number.nameChange = { name, status: 'PENDING_REVIEW' };
  } else {
    number.verifiedName = name;
    number.nameStatus = 'PENDING_REVIEW';
    number.nameChange = undefined;
  }
  openReview(core, number);
}

function inReview(number: PhoneNumber): boolean {
  return number.nameChange ? number.nameChange.status === 'PENDING_REVIEW' : number.nameStatus === 'PENDING_REVIEW';
}

function openReview(core: SandboxCore, number: PhoneNumber): void {
  const serial = ++number.reviewSerial;
  const delay = core.settings.nameReviewDelayMs;
  if (delay === null) return;
  core.clock.schedule(core.clock.now() + delay, () => {
    const current = core.store.numbers.get(number.id) === number && number.reviewSerial === serial;
    if (current && inReview(number)) decide(core, number, 'APPROVED');
  });
}

export function decideDisplayName(
  core: SandboxCore,
  phoneNumberId: string,
  decision: NameDecision,
  rejectionReason?: RejectionReason,
): void {
  const number = adminNumber(core, phoneNumberId);
  if (!inReview(number)) throw new SandboxAdminError(`phone number ${phoneNumberId} has no display name in review`);
  decide(core, number, decision, rejectionReason);
}

function decide(core: SandboxCore, number: PhoneNumber, decision: NameDecision, reason?: RejectionReason): void {
  number.reviewSerial++;
  const change = number.nameChange;
  const requested = change ? change.name : number.verifiedName;
  if (decision === 'REJECTED') {
    // docs/meta-graph-api.md#display-names: REJECTED in the webhook, DECLINED in name_status (and in new_name_status for a change).
    number.nameStatus = 'DECLINED';
    if (change) change.status = 'DECLINED';
  } else if (change) {
    change.status = 'APPROVED';
    change.approvedAt = core.clock.now();
    expireUnappliedChange(core, number, change);
  } else {
    number.nameStatus = 'APPROVED';
  }
  sendAccountWebhook(core, number.wabaId, 'phone_number_name_update', {
    display_phone_number: number.digits,
    decision,
    requested_verified_name: requested,
    rejection_reason: decision === 'REJECTED' ? (reason ?? 'UNKNOWN') : null,
  });
}

/** After a restart of a persisted sandbox: the review and the 14-day expiry it had scheduled, scheduled again. */
export function resumeReview(core: SandboxCore, number: PhoneNumber): void {
  const change = number.nameChange;
  if (change?.status === 'APPROVED' && change.approvedAt !== undefined) {
    expireUnappliedChange(core, number, change, change.approvedAt);
  } else if (inReview(number)) {
    openReview(core, number);
  }
}

/** Without a register within 14 days of approval the name goes back to review (docs/meta-graph-api.md#display-names). */
function expireUnappliedChange(
  core: SandboxCore,
  number: PhoneNumber,
  change: NameChange,
  approvedAt = core.clock.now(),
): void {
  core.clock.schedule(approvedAt + REREGISTER_WINDOW_MS, () => {
    if (number.nameChange !== change || change.status !== 'APPROVED') return;
    change.status = 'PENDING_REVIEW';
    change.approvedAt = undefined;
    openReview(core, number);
  });
}

/** Called by a successful register: an approved change becomes the verified name. */
export function applyApprovedName(number: PhoneNumber): void {
  if (number.nameChange?.status !== 'APPROVED') return;
  number.verifiedName = number.nameChange.name;
  number.nameStatus = 'APPROVED';
  number.nameChange = undefined;
}
