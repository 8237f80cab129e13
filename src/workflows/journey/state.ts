// The journey's state, and its projection for the `journey` query and the NumberStage search attribute.
import { type Trigger, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { NumberEvent } from '../../domain/events.js';
import type {
  CodeMethod,
  JourneyInput,
  JourneyNote,
  JourneyResult,
  JourneyView,
  WaitingFor,
} from '../../domain/journey.js';
import { SIGNUP_WINDOW_MS } from '../../domain/journey.js';
import type { CancelRequest, RemovalRequest, SubmissionOutcome } from '../../domain/messages.js';
import type { MetaError } from '../../domain/meta-error.js';
import { journeyPolicy } from '../../domain/policy.js';
import { NumberStage, PhoneNumberId } from '../../domain/search-attributes.js';
import type { JourneyStage, StageOrOutcome } from '../../domain/stages.js';

/** A human submission waiting for the journey to act on it; `reply` answers the update that brought it. */
export interface Submission<T> {
  value: T;
  actor: string;
  reply: Trigger<SubmissionOutcome> | null;
}

export type NameDecision = { approved: true } | { approved: false; reason: string | null };

/** What survives a continue-as-new in LIVE. */
export interface CarriedJourney {
  phoneNumberId: string;
  pin: string | null;
  displayName: JourneyView['displayName'];
  status: string | null;
  attempts: JourneyView['attempts'];
  recentEvents: NumberEvent[];
  notes: JourneyNote[];
  lastPaidMessageAt: string | null;
  holdsSlot: boolean;
  coexistence: boolean;
}

const NOTES_KEPT = 50;

export class Journey {
  stage: StageOrOutcome;
  phoneNumberId: string | null;
  codeMethod: CodeMethod;
  pin: string | null = null;
  status: string | null = null;
  holdsSlot = false;
  slotGranted = false;
  registered = false;
  /** Deregistered by numberflow (removal, or the tidy-up of a journey that ended before going live). */
  deregistered = false;
  /** Reached LIVE once: from then on the number is removed, never cancelled. */
  wentLive = false;
  waiting: JourneyView['waiting'] = null;
  codeExpiresAt: number | null = null;
  reRegisterBy: number | null = null;
  deletionAllowedAt: number | null = null;
  lastPaidMessageAt: number | null = null;
  attempts = { codeRequests: 0, wrongCodes: 0, wrongPins: 0, registerCalls: 0 };
  displayName: JourneyView['displayName'];
  lastError: MetaError | null = null;
  recentEvents: NumberEvent[] = [];
  notes: JourneyNote[] = [];
  sendsPaused = false;
  /** Coexistence by the input, or found on Meta (is_on_biz_app) when the number is adopted. */
  isCoexistence: boolean;
  result: JourneyResult | null = null;
  readonly signupExpiresAt: number;

  // Inboxes filled by signal and update handlers, emptied by the stage that waits for them.
  otp: Submission<string> | null = null;
  resend: { method: CodeMethod | null; actor: string } | null = null;
  pinInput: Submission<string> | null = null;
  newName: Submission<string> | null = null;
  nameDecision: NameDecision | null = null;
  pollNow = false;
  cancelRequest: CancelRequest | null = null;
  removalRequest: RemovalRequest | null = null;
  deletionConfirmedBy: string | null = null;
  restriction: { reason: string; remediation: string } | null = null;

  /** Set only when the journey was started with its search attributes (the time-skipping server has none). */
  private readonly visible = workflowInfo().typedSearchAttributes.get(NumberStage) !== undefined;
  private pendingPhoneNumberId: string | null = null;

  constructor(
    readonly input: JourneyInput,
    carried?: CarriedJourney,
  ) {
    this.stage = carried ? 'LIVE' : 'WAITING_FOR_CAPACITY'; // the start sets the same value as a search attribute
    this.phoneNumberId = carried?.phoneNumberId ?? input.phoneNumberId ?? null;
    this.codeMethod = input.codeMethod;
    this.isCoexistence = carried?.coexistence ?? input.path === 'coexistence';
    this.signupExpiresAt = Date.parse(input.signupAt) + SIGNUP_WINDOW_MS;
    this.displayName = carried?.displayName ?? { current: input.displayName, pending: null, status: 'PENDING_REVIEW' };
    if (carried) {
      Object.assign(this, {
        pin: carried.pin,
        status: carried.status,
        attempts: carried.attempts,
        recentEvents: carried.recentEvents,
        notes: carried.notes,
        holdsSlot: carried.holdsSlot,
        registered: true,
        wentLive: true,
        lastPaidMessageAt: carried.lastPaidMessageAt ? Date.parse(carried.lastPaidMessageAt) : null,
      });
    }
  }

  get ref(): { wabaId: string; phoneNumberId: string } {
    if (!this.phoneNumberId) throw new Error('the number has no phone_number_id yet');
    return { wabaId: this.input.wabaId, phoneNumberId: this.phoneNumberId };
  }

  enter(stage: JourneyStage, waiting: JourneyView['waiting'] = null): void {
    this.waiting = waiting;
    this.setStage(stage);
  }

  waitFor(who: WaitingFor, reason: string, untilMs: number | null = null): void {
    this.waiting = { for: who, reason, until: untilMs === null ? null : new Date(untilMs).toISOString() };
  }

  assignPhoneNumberId(id: string): void {
    if (id === this.phoneNumberId) return;
    this.phoneNumberId = id;
    this.pendingPhoneNumberId = id; // upserted with the next stage change: one history event, not two
  }

  note(actor: string, what: string): void {
    this.notes.push({ at: new Date().toISOString(), actor, what });
    if (this.notes.length > NOTES_KEPT) this.notes.splice(0, this.notes.length - NOTES_KEPT);
  }

  recordEvent(event: NumberEvent): void {
    this.recentEvents.push(event);
    const excess = this.recentEvents.length - journeyPolicy.recentEventsKept;
    if (excess > 0) this.recentEvents.splice(0, excess);
  }

  /** Milliseconds left in the Embedded Signup window; workflow time is deterministic (replayed, or skipped in tests). */
  msUntilSignupExpiry(): number {
    return Math.max(0, this.signupExpiresAt - Date.now());
  }

  finish(result: JourneyResult): JourneyResult {
    this.result = result;
    this.waiting = null;
    this.setStage(result.outcome);
    return result;
  }

  carry(): CarriedJourney {
    return {
      phoneNumberId: this.ref.phoneNumberId,
      pin: this.pin,
      displayName: this.displayName,
      status: this.status,
      attempts: this.attempts,
      recentEvents: this.recentEvents,
      notes: this.notes,
      lastPaidMessageAt: this.lastPaidMessageAt === null ? null : new Date(this.lastPaidMessageAt).toISOString(),
      holdsSlot: this.holdsSlot,
      coexistence: this.isCoexistence,
    };
  }

  view(): JourneyView {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      e164: this.input.phoneNumber.e164,
      wabaId: this.input.wabaId,
      portfolioId: this.input.portfolioId,
      path: this.isCoexistence ? 'coexistence' : 'cloud_api',
      stage: this.stage,
      phoneNumberId: this.phoneNumberId,
      codeMethod: this.codeMethod,
      waiting: this.waiting,
      deadlines: {
        signupExpiresAt: this.registered || this.result ? null : iso(this.signupExpiresAt),
        codeExpiresAt: this.stage === 'AWAITING_OTP' ? iso(this.codeExpiresAt) : null,
        reRegisterBy: iso(this.reRegisterBy),
        deletionAllowedAt: iso(this.deletionAllowedAt),
      },
      attempts: { ...this.attempts },
      displayName: { ...this.displayName },
      status: this.status,
      lastError: this.lastError,
      recentEvents: [...this.recentEvents],
      notes: [...this.notes],
      sendsPaused: this.sendsPaused,
      result: this.result,
    };
  }

  private setStage(stage: StageOrOutcome): void {
    const idChanged = this.pendingPhoneNumberId !== null;
    if (stage === this.stage && !idChanged) return;
    this.stage = stage;
    if (!this.visible) return;
    upsertSearchAttributes([
      { key: NumberStage, value: stage },
      ...(idChanged ? [{ key: PhoneNumberId, value: this.pendingPhoneNumberId ?? '' }] : []),
    ]);
    this.pendingPhoneNumberId = null;
  }
}
