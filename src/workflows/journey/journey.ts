// The journey as an object: its input, its state (state.ts), its inboxes, and the methods that own every change
// of the state. Handlers and stages call these methods; nothing else writes the state.
import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { restrictionWords, restrictsAnotherAction, sentLateBefore, type NumberEvent } from '../../domain/events.js';
import {
  NO_SIGNUP_WINDOW_MS,
  signupWindowEnds,
  type CodeMethod,
  type JourneyInput,
  type JourneyResult,
  type JourneyView,
  type MetaStop,
  type WaitingFor,
} from '../../domain/journey.js';
import type { CancelRequest, PinRevealRequest, RemovalRequest, RevealedPin } from '../../domain/messages.js';
import type { MetaError } from '../../domain/meta-error.js';
import type { NumberRef } from '../../domain/number.js';
import { journeyPolicy } from '../../domain/policy.js';
import type { SlotAnswer } from '../../domain/portfolio.js';
import {
  NumberStage,
  PhoneNumberId,
  WaitingOn,
  WaitingSince,
  type PersonWait,
} from '../../domain/search-attributes.js';
import { journeyStages, STAGES_KEPT, type JourneyStage, type StageOrOutcome } from '../../domain/stages.js';
import { waitText } from '../../domain/wait-texts.js';
import { Inbox } from './inbox.js';
import { receiveAccountUpdate, receivePartnerRemoved, reconnectable } from './meta-stops.js';
import { initialState, numberPinOf, upgradeCarried, viewOf, type CarriedState, type JourneyState } from './state.js';
import {
  EARLIER_NAME_DECISION_PATCH,
  FEWER_EVENTS_PATCH,
  FEWER_WRITES_PATCH,
  LIFTED_RESTRICTION_PATCH,
  OTHER_ACTION_RESTRICTION_PATCH,
  PERSON_WAIT_PATCH,
  READ_AFTER_IGNORED_DECISION_PATCH,
  REMOVAL_BLOCKED_WAIT_PATCH,
  RESTRICTION_ONCE_PATCH,
  UNDATED_NAME_DECISION_PATCH,
  VERIFY_IN_TASK_PATCH,
} from './patches.js';

/** The restrictions a journey remembers having acted on. */
const RESTRICTIONS_REMEMBERED = 20;

/** `decidedAt`: Meta's date of an approval it dated (ms), from which its 14 days to register again run. */
export type NameDecision = { approved: true; decidedAt?: number } | { approved: false; reason: string | null };

const NOTES_KEPT = 50;
/** Meta allows 10 register and deregister calls per number in a moving 72 hours (docs/meta-graph-api.md#register-and-deregister-limit). */
const REGISTRATION_WINDOW_MS = journeyPolicy.registrationWindowMs;
const REGISTRATION_CALLS_ALLOWED = 10;

/** Stages in which an onboarding may still be cancelled; once LIVE, a number is removed instead. */
const preLiveStages: readonly StageOrOutcome[] = journeyStages.slice(0, journeyStages.indexOf('LIVE'));

export class Journey {
  readonly state: JourneyState;
  /** An answer to a waiting update, wherever it is given (the inboxes, the reveal, the identity actions). */
  private readonly answered = (): void => this.answeringAnUpdate();
  readonly inbox = {
    otp: new Inbox<string>(this.answered),
    pin: new Inbox<string>(this.answered),
    displayName: new Inbox<string>(this.answered),
    resend: new Inbox<CodeMethod | null>(this.answered),
    removal: new Inbox<RemovalRequest>(this.answered),
    deletionConfirmation: new Inbox<null>(this.answered),
    /** Meta's decision on the name under review (webhook). */
    nameDecision: new Inbox<NameDecision>(this.answered),
    /** Meta's ONBOARDING quality event: the registration took, look now. */
    registrationTook: new Inbox<null>(this.answered),
    /** The portfolio's answer to the slot request. */
    slot: new Inbox<SlotAnswer>(this.answered),
  };
  /** Set only when the journey was started with its search attributes (the time-skipping server has none). */
  private readonly visible = workflowInfo().typedSearchAttributes.get(NumberStage) !== undefined;
  private pendingPhoneNumberId: string | null = null;
  /**
   * New tokens stored for the WABA while this run goes on; a call refused for its token waits for the next one.
   * Not state: no wait for a token spans a continue-as-new, and signals replay into it the same way.
   */
  private tokenRenewals = 0;
  private awaitingToken = false;
  /** Why the token could not be used, while the journey waits for one. */
  private tokenProblem: string | null = null;
  /** The person's wait visibility shows (WaitingOn); not state, like the token wait it mostly shows. */
  private shownWait: PersonWait | '' = '';
  private cancelOnboarding: (() => void) | null = null;
  /**
   * Temporal's own cancel came (the Web UI's button, `temporal workflow cancel`): the run's root scope is cancelled.
   * Not state: replay sets it again from the cancel request in history.
   */
  cancelledThroughTemporal = false;
  /** The add found the number on the WABA already (its name may be decided already). Not state: replay sets it again. */
  foundOnWaba = false;
  /**
   * The numbers Meta held registered when it refused this journey's last add at the cap, the refusal that ended it:
   * told to the portfolio with the slot's release (LAST_CAP_REFUSAL_PATCH). Not state: the journey ends in this run.
   */
  lastCapRefusal: number | null = null;
  /** When the journey had that refusal (ISO, its workflow time). */
  lastCapRefusalAt: string | null = null;
  /** It reads the name Meta has for such a number (FOUND_NAME_READ_PATCH taken). Not state, as `foundOnWaba`. */
  followsFoundName = false;
  /**
   * A decision was ignored as an earlier request's: the review reads Meta's status of the name at once
   * (READ_AFTER_IGNORED_DECISION_PATCH). Not state: a run continued as new meanwhile reads it at the 12-hourly read.
   */
  nameReadWanted = false;

  /**
   * Whether this run verifies the code inside the task that takes it (VERIFY_IN_TASK_PATCH, or FEWER_WRITES_PATCH). A
   * live run verifies only when Meta asks again (133006) and keeps the activity: no patch marker in every run of a live
   * number.
   */
  readonly verifiesInTask: boolean;
  /** Whether this run writes visibility less (FEWER_WRITES_PATCH); never a run that started live (continued as new). */
  readonly fewerWrites: boolean;
  /**
   * The stage visibility shows (NumberStage), which a brief stage leaves behind; not state: a run's start shows the
   * stage it carries (the journey's start, or continue-as-new, which keeps the search attributes).
   */
  private publishedStage: StageOrOutcome;
  /** In a brief stage not written yet: whatever stage comes next is written, even the one visibility still shows. */
  private briefUnpublished = false;

  constructor(
    readonly input: JourneyInput,
    carried?: CarriedState,
  ) {
    this.state = carried ? upgradeCarried(carried) : initialState(input);
    this.publishedStage = this.state.stage;
    const onboarding = !this.state.wentLive;
    // Decided in the first task, so that their markers and upserts join that task's and stay off the code's path.
    this.fewerWrites = onboarding && patched(FEWER_WRITES_PATCH);
    this.verifiesInTask = onboarding && (this.fewerWrites || patched(VERIFY_IN_TASK_PATCH));
  }

  /**
   * Whether this run asks for its slot by update and makes its first calls as local activities (FEWER_EVENTS_PATCH,
   * decided where first needed, or taken with FEWER_WRITES_PATCH).
   */
  makesFewerEvents(): boolean {
    return this.fewerWrites || patched(FEWER_EVENTS_PATCH);
  }

  get stage(): StageOrOutcome {
    return this.state.stage;
  }

  get ref(): NumberRef {
    if (!this.state.phoneNumberId) throw new Error('the number has no phone_number_id yet');
    return { wabaId: this.input.wabaId, phoneNumberId: this.state.phoneNumberId };
  }

  view(): JourneyView {
    return viewOf(this.input, this.state, Date.now());
  }

  enter(stage: JourneyStage, waiting: JourneyView['waiting'] = null): void {
    this.state.waiting = waiting;
    this.setStage(stage);
  }

  /**
   * Enters a stage whose work is a call inside the current workflow task (a local activity). Visibility is written
   * only if the journey waits in it (publishStage): most often the next stage, entered in the same task, replaces it
   * in one upsert, and no list could have seen it between the two. The stage the journey goes to next is written
   * even when visibility shows it already (a wrong code back to AWAITING_OTP), so that history says where it went:
   * the audit's timeline reads the brief stage from its call, and the rest from the upserts, as before.
   * Runs from before FEWER_WRITES_PATCH enter it as any stage.
   */
  enterBriefly(stage: JourneyStage): void {
    if (!this.fewerWrites) return this.enter(stage);
    this.state.waiting = null;
    this.state.stage = stage;
    this.stageEntered(stage);
    this.briefUnpublished = true;
  }

  /**
   * The journey ended, or its run failed, in a brief stage: visibility shows it while the journey tidies up (which
   * may wait for Meta), or for good when the run failed.
   */
  publishBriefStage(): void {
    if (this.briefUnpublished) this.publishStage();
  }

  /**
   * Writes the stage, and a phone_number_id not written yet, to visibility unless it shows them already: every stage
   * change does, and the journey about to wait in a brief stage.
   */
  publishStage(): void {
    const idChanged = this.pendingPhoneNumberId !== null;
    const unchanged = this.state.stage === this.publishedStage && !idChanged && !this.briefUnpublished;
    if (!this.visible || unchanged) return;
    upsertSearchAttributes([
      { key: NumberStage, value: this.state.stage },
      ...(idChanged ? [{ key: PhoneNumberId, value: this.pendingPhoneNumberId ?? '' }] : []),
    ]);
    this.publishedStage = this.state.stage;
    this.pendingPhoneNumberId = null;
    this.briefUnpublished = false;
  }

  waitFor(who: WaitingFor, reason: string, untilMs: number | null = null): void {
    this.state.waiting = { for: who, reason, until: untilMs === null ? null : new Date(untilMs).toISOString() };
  }

  stopWaiting(): void {
    this.state.waiting = null;
  }

  /** Waits again as it did before a call whose own waits (for Meta) replaced the wait: `saved`, read before it. */
  resumeWaiting(saved: JourneyView['waiting']): void {
    this.state.waiting = saved;
  }

  /** Meta took the identity-change setting. */
  identityCheckSet(enabled: boolean, actor: string): void {
    // Asked again, Meta is told again (the setting can be changed outside numberflow), and the note says so.
    const again =
      this.identityCheck === enabled ? ` (it was ${enabled ? 'on' : 'off'} already; Meta was told again)` : '';
    this.state.identityCheck = enabled;
    this.note(actor, `turned ${enabled ? 'on' : 'off'} the identity-change check${again}`);
  }

  get identityCheck(): boolean {
    return this.state.identityCheck;
  }

  note(actor: string, what: string): void {
    this.state.notes.push({ at: new Date().toISOString(), actor, what });
    if (this.state.notes.length > NOTES_KEPT) this.state.notes.splice(0, this.state.notes.length - NOTES_KEPT);
  }

  /** How many new tokens have come so far: a call remembers it, and a refused one waits for a later one. */
  get tokenRenewalsSoFar(): number {
    return this.tokenRenewals;
  }

  tokenRenewed(actor: string): void {
    this.tokenRenewals += 1;
    if (this.awaitingToken) this.note(actor, `stored a new Meta token for WABA ${this.input.wabaId}`);
  }

  /**
   * A person must store a new token for the WABA; the journey waits for it (tokenRenewed), then calls again. A
   * stored token the workers cannot open (`keyMissing`: its store key is not in their NUMBERFLOW_STORE_KEY) wants
   * its key back rather than a new token; the journey tries it again by itself meanwhile (callMeta), and a try that
   * meets the same problem again says nothing new.
   */
  awaitToken(why: string, keyMissing = false, rechecking = false): void {
    const { wabaId } = this.input;
    if (rechecking && this.tokenProblem === why) return;
    this.awaitingToken = true;
    this.tokenProblem = why;
    this.note(
      'numberflow',
      keyMissing
        ? `the stored Meta token for WABA ${wabaId} cannot be opened (${why}); waiting for its store key or a new token`
        : `Meta's token for WABA ${wabaId} is unusable (${why}); waiting for a new one`,
    );
    this.showPersonWait('token');
    this.waitFor('admin', waitText('TOKEN_UNUSABLE', { wabaId, keyMissing }));
  }

  tokenArrived(): void {
    this.awaitingToken = false;
    this.tokenProblem = null;
    this.stopWaiting();
    // A removal blocked meanwhile still waits for its admin.
    const blocked = this.removalBlocked && patched(REMOVAL_BLOCKED_WAIT_PATCH);
    this.showPersonWait(blocked ? 'removal' : '');
  }

  /**
   * Shows in visibility (WaitingOn, WaitingSince) a person's wait that no stage names, so the summary finds it
   * without a query per journey.
   */
  showPersonWait(wait: PersonWait | ''): void {
    if (!this.visible || wait === this.shownWait || !patched(PERSON_WAIT_PATCH)) return;
    this.shownWait = wait;
    upsertSearchAttributes([
      { key: WaitingOn, value: wait },
      { key: WaitingSince, value: new Date() },
    ]);
  }

  /** Meta's error on the last Graph call, or null once a call went through: the view shows an error that stands. */
  metaAnswered(error: MetaError | null): void {
    this.state.lastError = error;
  }

  assignPhoneNumberId(id: string): void {
    if (id === this.state.phoneNumberId) return;
    this.state.phoneNumberId = id;
    this.pendingPhoneNumberId = id; // upserted with the next stage change: one history event, not two
  }

  /** What Meta shows of the number (its status, whether it is a coexistence number). */
  seenAtMeta(status: string | null, coexistence = this.state.coexistence): void {
    this.state.status = status;
    this.state.coexistence = coexistence;
  }

  /** Meta counts the number as registered: by a register of ours, or before the journey began. */
  registeredAtMeta(status: string | null): void {
    this.state.status = status;
    this.state.registered = true;
  }

  deregisteredAtMeta(): void {
    this.state.status = 'DISCONNECTED';
    this.state.registered = false;
  }

  /**
   * Milliseconds left in the Embedded Signup window (NO_SIGNUP_WINDOW_MS without one); workflow time is deterministic
   * (replayed, or skipped in tests).
   */
  msUntilSignupExpiry(): number {
    const ends = signupWindowEnds(this.input);
    return ends === null ? NO_SIGNUP_WINDOW_MS : Math.max(0, ends - Date.now());
  }

  // The verification code.

  /** `certain`: Meta confirmed it sent the code (its answer to the request came). */
  codeRequested(certain = true): void {
    this.state.attempts.codeRequests += 1;
    this.state.codeExpiresAt = Date.now() + journeyPolicy.otpWaitMs;
    this.state.codeRefusal = null;
    this.state.codeUnconfirmed = !certain;
  }

  /**
   * Meta refused a new code: an operator's resend (the wait goes on), or numberflow's own when a wait ended. `asksAgain`:
   * true, one more wait of its own, then one more request; a time, the one already set (a resend refused meanwhile);
   * false, none.
   */
  codeRefused(reason: string, asksAgain: boolean | number): void {
    const askAgainAt =
      typeof asksAgain === 'number' ? asksAgain : asksAgain ? Date.now() + journeyPolicy.otpWaitMs : null;
    this.state.codeRefusal = { reason, askAgainAt };
  }

  switchCodeMethod(method: CodeMethod): void {
    this.state.codeMethod = method;
  }

  /** Whether codes or PINs were spent, or a resend waits: what a new verification round starts afresh from. */
  get verificationSpent(): boolean {
    const { codeRequests, wrongCodes, wrongPins } = this.state.attempts;
    return codeRequests + wrongCodes + wrongPins > 0 || this.inbox.resend.busy;
  }

  /** A verification after the onboarding (a live rename's): its codes and PINs counted afresh, no stale resend. */
  newVerificationRound(): void {
    Object.assign(this.state.attempts, { codeRequests: 0, wrongCodes: 0, wrongPins: 0 });
    this.inbox.resend.take();
  }

  /** Counts a wrong code; answers the attempts left. */
  wrongCode(): number {
    this.state.attempts.wrongCodes += 1;
    return journeyPolicy.maxWrongCodes - this.state.attempts.wrongCodes;
  }

  wrongPin(): number {
    this.state.attempts.wrongPins += 1;
    return journeyPolicy.maxWrongPins - this.state.attempts.wrongPins;
  }

  /** numberflow chooses the PIN (the operator does not) and has none yet: the verify call draws one. */
  get drawsPin(): boolean {
    return this.input.pinPolicy !== 'operator' && !this.state.pin;
  }

  choosePin(pin: string): void {
    this.state.pin = pin;
    this.state.pinAccepted = false;
  }

  /** Meta registered the number with the journey's PIN: it is now the number's two-step PIN. */
  pinRegistered(): void {
    if (this.state.pin) this.state.pinAccepted = true;
  }

  /** The two-step PIN numberflow set on the number, if it set one. */
  get numberPin(): string | null {
    return numberPinOf(this.state);
  }

  /** The history length of the workflow task that last answered an update at once (null: none has). */
  private answeredInTask: number | null = null;

  /**
   * Whether this workflow task answered an update: a continue-as-new in the same task leaves the client waiting on a
   * run that ended, and Temporal's client sends the update again to the new run, which takes it again.
   */
  get answeredAnUpdateInThisTask(): boolean {
    return this.answeredInTask === workflowInfo().historyLength;
  }

  /** Said by a live update's handler as it answers (state only: no command, no await). */
  answeringAnUpdate(): void {
    this.answeredInTask = workflowInfo().historyLength;
  }

  /** Signals and updates the handlers took (not those the validators refused): inputs that history records. */
  private inputs = 0;

  get inputsTaken(): number {
    return this.inputs;
  }

  tookAnInput(): void {
    this.inputs += 1;
  }

  /** An admin reads the PIN back: noted with who and why (the PIN itself stays sealed in history). */
  revealPin(request: PinRevealRequest): RevealedPin {
    const pin = this.numberPin;
    if (!pin) throw new Error('numberflow set no two-step PIN on this number');
    this.answeringAnUpdate();
    this.note(request.actor, `PIN revealed to ${request.actor}: ${request.reason}`);
    return { pin };
  }

  // Meta's register budget: 10 register or deregister calls per number in a moving 72 h.

  /** How long to wait before another register or deregister call stays within Meta's budget (0: now). */
  msUntilRegistrationCallAllowed(): number {
    const now = Date.now();
    const recent = this.state.registrationCalls.filter((at) => at > now - REGISTRATION_WINDOW_MS);
    this.state.registrationCalls = recent;
    if (recent.length < REGISTRATION_CALLS_ALLOWED) return 0;
    return (recent[recent.length - REGISTRATION_CALLS_ALLOWED] ?? now) + REGISTRATION_WINDOW_MS - now;
  }

  /** A register or deregister call that may reach Meta is about to be made. */
  registrationCall(kind: 'register' | 'deregister'): void {
    if (kind === 'register') this.state.attempts.registerCalls += 1;
    else this.state.attempts.deregisterCalls += 1;
    this.state.registrationCalls.push(Date.now());
  }

  // The portfolio's slot.

  slotRequested(): void {
    this.state.slot = 'requested';
  }

  slotAnswered(answer: SlotAnswer): void {
    this.state.slot = answer.granted ? 'held' : 'queued';
  }

  slotReleased(): void {
    this.state.slot = 'none';
  }

  // Display names.

  /**
   * An adopted number's display name as Meta has it: the journey shows and follows that one, never a name it was
   * started with and Meta never received.
   */
  nameAtMeta(name: string, { replaced = false } = {}): void {
    const { current } = this.state.displayName;
    if (name === current) return;
    this.note(
      'numberflow',
      replaced
        ? `Meta has the number under the display name "${name}", not "${current}", and has not approved it: asking Meta for "${current}" instead`
        : `Meta has the number under the display name "${name}", not "${current}": the journey follows Meta's; ask for a name change once live to use another`,
    );
    this.state.displayName = { ...this.state.displayName, current: name };
  }

  /** The name is sent to Meta now (with the add, or as a change): a decision dated before it is an earlier one's. */
  nameSent(): void {
    this.state.nameSentAt = Date.now();
    this.nameReadWanted = false; // a read wanted for the name before (its review over) is not this one's
  }

  /** Meta took a request for a new display name: one of its 10 changes in 30 days. */
  nameChangeAsked(): void {
    this.state.nameChangesAt = [...this.nameChangesInWindow(), Date.now()];
  }

  /** When Meta allows this number's next display-name change, when its 10 in 30 days are spent; null otherwise. */
  nameChangeAllowedFrom(): number | null {
    const changes = this.nameChangesInWindow();
    const { nameChangesPerWindow, nameChangeWindowMs } = journeyPolicy;
    if (changes.length < nameChangesPerWindow) return null;
    return (changes[changes.length - nameChangesPerWindow] ?? Date.now()) + nameChangeWindowMs;
  }

  private nameChangesInWindow(): number[] {
    const since = Date.now() - journeyPolicy.nameChangeWindowMs;
    return this.state.nameChangesAt.filter((at) => at > since);
  }

  nameSubmitted(name: string): JourneyView['displayName'] {
    this.nameSent();
    const before = { ...this.state.displayName };
    this.state.displayName = { ...before, pending: name, status: 'PENDING_REVIEW' };
    return before;
  }

  /** A live limited number's last status read failed (noted once until one goes through; not carried). */
  limitedReadFailed = false;

  /** The last read of a name's review status failed (noted once a review until one goes through; not carried). */
  nameReadFailed = false;

  /** Meta has the given name instead of its own, never approved: its approval is in effect with no register. */
  givenNameAsked(name: string): void {
    this.state.givenNameAsked = name;
  }

  nameRestored(before: JourneyView['displayName']): void {
    this.state.displayName = before;
  }

  /** The name under review, or the current one when no change is pending. */
  get nameUnderReview(): string {
    return this.state.displayName.pending ?? this.state.displayName.current;
  }

  nameApproved(name: string): void {
    this.state.declinedName = undefined; // refused only until Meta approves a name: its reasons may since be fixed
    this.state.displayName = { current: name, pending: null, status: 'APPROVED' };
    this.state.reRegisterBy = null;
  }

  /** A live number registers again to apply an approved name: its code and PIN stages, a wait for Meta's limit. */
  get applyingLiveRename(): boolean {
    return this.state.wentLive && this.state.reRegisterBy !== null;
  }

  /**
   * What an ending by `reasonCode` ends: the journey, or, for a live number, only the rename that verifies it again
   * (the number stays live under its name).
   */
  endsFor(reasonCode?: string, outcome = 'FAILED'): string {
    const code = reasonCode ? ` (${reasonCode})` : '';
    if (!this.applyingLiveRename) return `the journey ends ${outcome}${code}`;
    return `the display-name change stops${code}: the number stays live as "${this.state.displayName.current}"`;
  }

  /**
   * An admin asked for the number's removal during a live rename (under Meta's review, or registering the number
   * again): the rename stops, the number keeps its current name, and a code, PIN or resend submitted for it is
   * answered (none can be held under review: no command then).
   */
  renameStoppedForRemoval(): void {
    const why = "the display-name change stopped: an admin requested the number's removal";
    this.answerRenameInputs(why);
    const { current } = this.state.displayName;
    this.note('numberflow', `${why}; "${this.nameUnderReview}" was not applied, the number keeps "${current}"`);
    this.nameChangeStopped('STOPPED_FOR_REMOVAL');
  }

  /** The inboxes of a rename's verification: its code, PIN and resend. */
  private get renameInputs(): Inbox<unknown>[] {
    return [this.inbox.otp, this.inbox.pin, this.inbox.resend];
  }

  /** Whether a code, PIN or resend for a rename's verification is held, unanswered. */
  get holdsRenameInput(): boolean {
    return this.renameInputs.some((inbox) => inbox.busy);
  }

  /** A rename stopped: the code, PIN or resend held for its verification is answered with why (the journey goes on). */
  answerRenameInputs(why: string): void {
    for (const inbox of this.renameInputs) {
      if (inbox.busy) inbox.answer({ accepted: false, message: why, attemptsLeft: null });
    }
  }

  /** Meta stopped the number's sends, or lifted the stop (null), as of Meta's `at` (meta-stops.ts decides). */
  metaStopChanged(stop: MetaStop | null, at: string): void {
    this.state.metaStopChangedAt = at;
    this.state.stoppedByMeta = stop;
  }

  /** A coexistence number's disconnection from the WhatsApp Business App, Meta's latest (meta-stops.ts decides). */
  disconnectedFromApp(disconnection: NonNullable<JourneyState['disconnection']>): void {
    this.state.disconnection = disconnection;
  }

  /**
   * A coexistence number the business disconnected from numberflow for good (Meta's reasons that no reconnection
   * follows by itself); null otherwise — a phone's app unopened (PRIMARY_INACTIVITY) or the app registered again on a
   * new device (USER_RE_REGISTERED), which Meta may reconnect, leave the number live with its sends paused.
   */
  get disconnectedForGood(): NonNullable<JourneyState['disconnection']> | null {
    const { disconnection } = this.state;
    return disconnection && reconnectable(disconnection.reason) === false ? disconnection : null;
  }

  /** The change stops: the number keeps its current name; `status` says why (DECLINED, CHANGE_FAILED, …). */
  nameChangeStopped(status: string): void {
    if (status === 'DECLINED') this.state.declinedName = this.nameUnderReview;
    this.state.displayName = { ...this.state.displayName, pending: null, status };
    this.state.reRegisterBy = null;
  }

  /** Meta approved the name; it is applied at the number's next register, before `untilMs` (pending until then). */
  nameApprovedToApply(untilMs: number): void {
    this.state.reRegisterBy = untilMs;
    this.state.displayName = { ...this.state.displayName, status: 'APPROVED' };
  }

  // LIVE and removal.

  goLive(): void {
    this.state.wentLive = true;
  }

  pauseSends(): void {
    this.state.sendsPaused = true;
  }

  deletionAllowedFrom(ms: number | null): void {
    this.state.deletionAllowedAt = ms;
  }

  restrict(reason: string, remediation: string): void {
    this.state.restriction = { reason, remediation };
    this.showRemovalBlocked('removal');
  }

  /**
   * Whether a restriction is one that blocked the removal before, delivered again after an admin asked again. Each
   * blocking restriction is remembered; one delivered again while the removal is still blocked blocks it as before.
   */
  private restrictedAgainLater(event: Extract<NumberEvent, { kind: 'restriction' }>): boolean {
    const key = `${event.restrictionType}|${event.at}|${event.expiration ?? ''}`;
    const actedOn = this.state.restrictionsActedOn;
    if (actedOn.includes(key)) return this.state.restriction === null && patched(RESTRICTION_ONCE_PATCH);
    actedOn.push(key);
    if (actedOn.length > RESTRICTIONS_REMEMBERED) actedOn.splice(0, actedOn.length - RESTRICTIONS_REMEMBERED);
    return false;
  }

  /** A restriction blocks a removal under way; before that it is recorded (Meta lifts many at their expiration). */
  private receiveRestriction(event: Extract<NumberEvent, { kind: 'restriction' }>): void {
    const restricted = `restricted the account ${restrictionWords(event)}`;
    if (this.state.stage !== 'REMOVING') return this.note('meta', restricted);
    if (isLifted(event) && patched(LIFTED_RESTRICTION_PATCH)) {
      return this.note('meta', `${restricted}: lifted by then, the removal goes on`);
    }
    const other = restrictsAnotherAction(event.restrictionType);
    if (other !== null && patched(OTHER_ACTION_RESTRICTION_PATCH)) {
      // Blocked already (another restriction, a refused deregistration, one of these taken before the patch): it stays so.
      const blocked = this.state.restriction;
      return this.note(
        'meta',
        blocked
          ? `${restricted}: it restricts ${other}, not a removal — the removal stays blocked (${blocked.reason}) until an admin requests it again`
          : `${restricted}: it restricts ${other}, not a removal — the removal goes on`,
      );
    }
    if (this.restrictedAgainLater(event)) {
      return this.note('meta', `${restricted}: delivered again, after an admin asked again — the removal goes on`);
    }
    // Noted at once: the removal may be waiting for something else (the paid-message block) when it comes.
    this.note('meta', `${restricted}: the removal waits until it is resolved and an admin requests it again`);
    this.restrict(
      `Meta restricted the account (${event.restrictionType})`,
      'Deletion can be restricted by permissions, billing or account state: resolve the restriction in WhatsApp Manager (Account Quality), then request the removal again.',
    );
  }

  /** An admin asked again: the removal is tried again. */
  liftRestriction(): void {
    this.state.restriction = null;
    this.showRemovalBlocked('');
  }

  /**
   * A blocked removal waits for an admin whatever else it waits for (the paid-message block): visibility says so,
   * for the summary's list of people's waits.
   */
  private showRemovalBlocked(wait: 'removal' | ''): void {
    if (this.state.stage !== 'REMOVING' || !patched(REMOVAL_BLOCKED_WAIT_PATCH)) return;
    // A token wait still running is a person's wait too, and the first one to settle: it stays shown.
    this.showPersonWait(this.awaitingToken ? 'token' : wait);
  }

  private get removalBlocked(): boolean {
    return this.state.stage === 'REMOVING' && this.state.restriction !== null;
  }

  /**
   * A decision Meta dated before the name under review was sent is an earlier request's of the same name (a journey
   * of the number before this one, delivered late or again): noted, and the review goes on. One Meta gave no date
   * is dated by the receiving host's clock, which orders nothing against Temporal's: it is taken.
   */
  private decidedBeforeSent(event: Extract<NumberEvent, { kind: 'name' }>): boolean {
    const sentAt = this.state.nameSentAt;
    if (sentAt === undefined || !sentLateBefore(event.at, sentAt)) return false;
    if (event.undated === true && patched(UNDATED_NAME_DECISION_PATCH)) return false;
    if (!patched(EARLIER_NAME_DECISION_PATCH)) return false;
    const sent = new Date(sentAt).toISOString();
    // Noted as Meta's, as its other events are: the audit joins the note to the webhook entry it explains.
    this.note(
      'meta',
      `${event.decision} of "${event.requestedName}" dated ${event.at}, before the name was sent for review at ${sent}: an earlier request's, ignored`,
    );
    if (patched(READ_AFTER_IGNORED_DECISION_PATCH)) this.nameReadWanted = true;
    return true;
  }

  /** Meta's webhook events: recorded, and what they mean for the stage waiting on them. */
  receive(event: NumberEvent): void {
    this.state.recentEvents.push(event);
    const excess = this.state.recentEvents.length - journeyPolicy.recentEventsKept;
    if (excess > 0) this.state.recentEvents.splice(0, excess);
    switch (event.kind) {
      case 'name':
        if (event.requestedName !== this.nameUnderReview) break; // a decision on an older request
        if (this.decidedBeforeSent(event)) break;
        if (event.decision === 'APPROVED') {
          const dated = event.undated === true ? {} : { decidedAt: Date.parse(event.at) };
          this.inbox.nameDecision.put({ approved: true, ...dated }, 'meta');
        }
        if (event.decision === 'REJECTED') {
          this.inbox.nameDecision.put({ approved: false, reason: event.rejectionReason }, 'meta');
        }
        break;
      case 'quality':
        if (event.event === 'ONBOARDING') this.inbox.registrationTook.put(null, 'meta');
        // The latest by Meta's date: one delivered late (Meta retries for days) does not replace a newer one.
        if (!this.state.quality || Date.parse(event.at) >= Date.parse(this.state.quality.at)) {
          this.state.quality = { event: event.event, limit: event.currentLimit, at: event.at };
        }
        break;
      case 'status':
        this.state.status = event.status;
        break;
      case 'paid_message':
        this.state.lastPaidMessageAt = Math.max(this.state.lastPaidMessageAt ?? 0, Date.parse(event.at));
        break;
      case 'restriction':
        this.receiveRestriction(event);
        break;
      case 'partner_removed':
        receivePartnerRemoved(this, event);
        break;
      case 'account':
        receiveAccountUpdate(this, event);
        break;
    }
  }

  // Cancellation and the end.

  /** The onboarding's scope: an accepted cancel stops what it is doing. */
  onCancel(cancel: () => void): void {
    this.cancelOnboarding = cancel;
  }

  /** Why a cancel is refused now, or null when it is allowed. */
  cancelRefusal(): string | null {
    if (this.state.result || this.state.cancel) return `the journey is already ending (stage ${this.state.stage})`;
    if (this.state.stage === 'REMOVING') {
      return 'the number is being removed (stage REMOVING), which cannot be cancelled: it ends once an admin confirms the deletion';
    }
    if (this.state.wentLive || !preLiveStages.includes(this.state.stage)) {
      return `a live number's journey cannot be cancelled (stage ${this.state.stage}); request its removal instead`;
    }
    return null;
  }

  /** Cancels the onboarding when allowed (noted otherwise); answers the refusal, or null. */
  requestCancel(request: CancelRequest, throughTemporal: boolean): string | null {
    const refusal = this.cancelRefusal();
    if (refusal) {
      this.note(request.actor, `cancel refused: ${refusal}`);
      return refusal;
    }
    this.state.cancel = { ...request, throughTemporal };
    this.cancelOnboarding?.();
    return null;
  }

  /** Ends the journey; the result keeps the number's PIN (sealed) for the next journey of the number. */
  finish(ending: JourneyResult): JourneyResult {
    const pin = this.numberPin;
    const result = pin ? { ...ending, pin } : ending;
    this.state.result = result;
    this.state.waiting = null;
    this.setStage(result.outcome);
    const why = `the journey ended ${result.outcome}: ${result.reason}`;
    for (const inbox of Object.values(this.inbox)) inbox.close(why);
    return result;
  }

  private setStage(stage: StageOrOutcome): void {
    this.state.stage = stage;
    this.stageEntered(stage);
    this.publishStage();
  }

  /** Kept for followers (the view): state only, no command, so runs replay as before. */
  private stageEntered(stage: StageOrOutcome): void {
    const entered = this.state.stagesEntered;
    if (entered.at(-1)?.stage === stage) return;
    entered.push({ stage, at: new Date().toISOString() });
    if (entered.length > STAGES_KEPT) entered.splice(0, entered.length - STAGES_KEPT);
  }
}

/** A restriction whose expiration (Unix seconds, as Meta sends it) has passed: Meta has lifted it already. */
function isLifted({ expiration }: Extract<NumberEvent, { kind: 'restriction' }>): boolean {
  return expiration !== null && /^\d{1,12}$/.test(expiration) && Number(expiration) * 1000 <= Date.now();
}
