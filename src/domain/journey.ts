// Workflow-safe definitions of the number journey: input, ids, the query's view. No Node built-ins, no I/O.
import { defineQuery } from '@temporalio/workflow';
import { CLOCKS_APART_MS, type NumberEvent } from './events.js';
import type { MetaError } from './meta-error.js';
import type { PhoneNumber } from './phone.js';
import type { JourneyOutcome, StageOrOutcome } from './stages.js';
import { codeLastsUntil, journeyPolicy } from './policy.js';
import { visibleControls } from './operator-input.js';

export const codeMethods = ['SMS', 'VOICE'] as const;
export type CodeMethod = (typeof codeMethods)[number];

export const onboardingPaths = ['cloud_api', 'coexistence'] as const;
export type OnboardingPath = (typeof onboardingPaths)[number];

export const pinPolicies = ['generate', 'operator'] as const;
export type PinPolicy = (typeof pinPolicies)[number];

/** A journey's input, already validated at the edge (see journey-input.ts). */
export interface JourneyInput {
  wabaId: string;
  portfolioId: string;
  phoneNumber: PhoneNumber;
  displayName: string;
  path: OnboardingPath;
  codeMethod: CodeMethod;
  /** The number sits behind an IVR: SMS never reaches a person, so the code comes by voice call. */
  ivr: boolean;
  /**
   * When Embedded Signup finished; the 14-day registration window counts from here, not from workflow start. A request
   * without one is given the time it was taken, and `signupWindow: false`.
   */
  signupAt: string;
  /**
   * false: the request named no signupAt, so no Embedded Signup window applies (a number numberflow adds itself, or one
   * added in WhatsApp Manager). Absent from runs before it: the window applies, counted from signupAt.
   */
  signupWindow?: boolean;
  /** Set when the number was already added in Meta (Embedded Signup, WhatsApp Manager) and is adopted. */
  phoneNumberId?: string;
  /**
   * `displayName` was given instead of the name Meta shows for the adopted number (an Embedded Signup's
   * `displayNames`): asked for as a change when Meta has not approved its own. Absent: the journey follows Meta's.
   */
  replacesMetaName?: boolean;
  pinPolicy: PinPolicy;
  /** Turn on Meta's identity-change check once the number is registered. */
  identityCheck: boolean;
  /** Locale for the code message, e.g. en_US. */
  language: string;
  /** Who started the journey (a service or a person); recorded in history. */
  requestedBy: string;
}

/** Meta registers a number only within 14 days of finishing Embedded Signup (docs/meta-graph-api.md#embedded-signup-window). */
export const SIGNUP_WINDOW_MS = 14 * 24 * 60 * 60 * 1000;

/** When the Embedded Signup window of a signup closes (epoch ms). */
export function signupExpiresAt({ signupAt }: { signupAt: string }): number {
  return Date.parse(signupAt) + SIGNUP_WINDOW_MS;
}

/**
 * When a signup's 14-day window closed (ISO), if it closed by this host's clock `now` more than CLOCKS_APART_MS ago;
 * null while it is open or nearer its end than that, which the journey's own timer decides by Temporal's clock.
 */
export function signupWindowClosedAt(signup: { signupAt: string }, now: Date): string | null {
  const closes = signupExpiresAt(signup);
  return closes > now.getTime() - CLOCKS_APART_MS ? null : new Date(closes).toISOString();
}

/** When the journey's Embedded Signup window closes (epoch ms); null when none applies (JourneyInput.signupWindow). */
export function signupWindowEnds(input: Pick<JourneyInput, 'signupAt' | 'signupWindow'>): number | null {
  return input.signupWindow === false ? null : signupExpiresAt(input);
}

/**
 * The signup deadline of a journey without a window (signupWindow false), set past any wait of an onboarding. Its race
 * keeps its timer: a run an older worker began has one (Temporal does not compare a timer's duration on replay), so
 * the runs with and without the field take the same steps.
 */
export const NO_SIGNUP_WINDOW_MS = 10 * 365 * 24 * 60 * 60 * 1000;

export function journeyWorkflowId(e164: string): string {
  return `number:${e164}`;
}

export interface JourneyResult {
  outcome: JourneyOutcome;
  /** A stable reason code, e.g. OTP_ATTEMPTS_EXHAUSTED, META_ERROR, CANCELLED_BY_OPERATOR. */
  reasonCode: string;
  reason: string;
  remediation: string;
  /** Who ended it, for CANCELLED and REMOVED. */
  actor: string | null;
  metaError: MetaError | null;
  /**
   * The two-step PIN numberflow set on the number, kept (sealed) for a later journey of the same number, which
   * tries it when Meta asks for the old PIN (133005). Never in the query's view.
   */
  pin?: string;
}

export interface JourneyAttempts {
  codeRequests: number;
  wrongCodes: number;
  wrongPins: number;
  registerCalls: number;
  deregisterCalls: number;
}

export type WaitingFor = 'portfolio' | 'operator' | 'admin' | 'meta';

/** An event of Meta's that stopped a number's sends: its name, what Meta said with it, and when. */
export interface MetaStop {
  event: string;
  detail: string | null;
  at: string;
}

/** Meta's latest quality update of a number: its event, the messaging limit it gave (if any), and when. */
export interface QualityUpdate {
  event: string;
  limit: string | null;
  at: string;
}

/** "FLAGGED (messaging limit TIER_250)", written out, not obeyed, on a terminal. */
export function qualityWords({ event, limit }: QualityUpdate): string {
  return visibleControls(`${event}${limit ? ` (messaging limit ${limit})` : ''}`, false);
}

/** "DISABLED_UPDATE (waba_ban_state DISABLE)": Meta's words written out, not obeyed, on a terminal. */
export function metaStopWords({ event, detail }: MetaStop): string {
  return visibleControls(`${event}${detail ? ` (${detail})` : ''}`, false);
}

/** Why a number's sends are paused, in words: Meta stopped it (which event, when) or bans it, or it is being removed. */
export function pausedWords({
  stoppedByMeta,
  status,
  stage,
}: Pick<JourneyView, 'stoppedByMeta' | 'status' | 'stage'>): string {
  if (stoppedByMeta)
    return `its sends are paused: Meta stopped the number (${metaStopWords(stoppedByMeta)} at ${stoppedByMeta.at})`;
  if (status === 'BANNED') return 'its sends are paused: Meta shows it BANNED';
  return stage === 'REMOVING' ? 'its sends are paused: it is being removed' : 'its sends are paused';
}

/** One line of what a person did or Meta said, for the query (history holds everything). */
export interface JourneyNote {
  at: string;
  actor: string;
  what: string;
}

/** A stage the journey entered, and when (its workflow time). */
export interface StageEntered {
  stage: StageOrOutcome;
  at: string;
}

/**
 * Whether the number is live and sends: LIVE, or a live number whose rename verifies it again (a stage before LIVE,
 * for days maybe: Meta still shows it connected). Not once it is being removed or the journey has ended.
 */
export function sendsMessages(view: Pick<JourneyView, 'stage' | 'wentLive' | 'result'>): boolean {
  return !endedOrRemoving(view) && tookItLive(view);
}

/** The journey took its number live: LIVE now, or since (a rename verifying it again, a removal, an ending). */
function tookItLive(view: Pick<JourneyView, 'stage' | 'wentLive'>): boolean {
  return view.stage === 'LIVE' || view.wentLive === true;
}

/**
 * The phone_number_id whose customers are this journey's to show: one it took live (Meta registered it on the
 * WABA the portfolio owns, and it sent). A start names a phone_number_id as given, and one that never went live may be
 * another business's number (the journey then fails, its view still holding the id): its customers are not shown.
 */
export function customersNumberOf(view: Pick<JourneyView, 'stage' | 'wentLive' | 'phoneNumberId'>): string | null {
  return tookItLive(view) ? view.phoneNumberId : null;
}

/** The journey has ended, or its number is being removed: it sends no more. */
export function endedOrRemoving(view: Pick<JourneyView, 'stage' | 'result'>): boolean {
  return Boolean(view.result) || view.stage === 'REMOVING';
}

/** What the `journey` query answers: where the journey stands and who it waits for. No PIN, no code. */
export interface JourneyView {
  e164: string;
  wabaId: string;
  portfolioId: string;
  path: OnboardingPath;
  stage: StageOrOutcome;
  /**
   * The stages it entered, oldest first (the last 20; a run carried over from before they were kept starts with its
   * stage then): a follower between two reads learns each stage the journey went through.
   */
  stagesEntered: StageEntered[];
  phoneNumberId: string | null;
  codeMethod: CodeMethod;
  /** The number sits behind an IVR: its codes come by voice call only (a new code by SMS is refused). */
  ivr: boolean;
  waiting: { for: WaitingFor; reason: string; until: string | null } | null;
  /**
   * In REMOVING, Meta's restriction that blocks the removal (an admin resolves it and requests the removal again),
   * also while the removal waits for something else; null otherwise.
   */
  removalBlocked: { reason: string; remediation: string } | null;
  deadlines: {
    signupExpiresAt: string | null;
    codeExpiresAt: string | null;
    /**
     * About when Meta's latest code sent stops working (AWAITING_OTP): null when none was sent, as when Meta refused
     * the first (the code wait is then the refusal's). Absent from a worker before it.
     */
    codeLastsUntil?: string | null;
    reRegisterBy: string | null;
    deletionAllowedAt: string | null;
  };
  /** codeRequests: requests Meta may have received; register/deregister calls count toward Meta's 10 per 72 h. */
  attempts: JourneyAttempts;
  /** Register and deregister calls in the last 72 hours (Meta allows 10). */
  registrationCallsIn72h: number;
  /**
   * When they were made: a query is answered at the time of the journey's last task, so a reader counts them again
   * by its own (countedNow). Absent from a worker before it.
   */
  registrationCallsAt?: string[];
  displayName: { current: string; pending: string | null; status: string };
  status: string | null;
  lastError: MetaError | null;
  recentEvents: NumberEvent[];
  notes: JourneyNote[];
  /** Sends are paused: the number is being removed, or Meta stopped it (stoppedByMeta). */
  sendsPaused: boolean;
  /**
   * Meta's event that stopped the number's sends — its WABA disabled (DISABLED_UPDATE, DISABLE), deleted or
   * offboarded, the partner removed — until one brings it back (REINSTATE, ACCOUNT_RECONNECTED, PARTNER_ADDED); null when none
   * (and read so from a worker before it).
   */
  stoppedByMeta: MetaStop | null;
  /**
   * Meta's latest quality update of the number (phone_number_quality_update: FLAGGED, UNFLAGGED, UPGRADE, DOWNGRADE,
   * ONBOARDING…) with the messaging limit it gave; null before any (and read so from a worker before it).
   */
  quality: QualityUpdate | null;
  /**
   * The number went live: it is removed, never cancelled, also while a rename registers it again (a stage before
   * LIVE). A view from a worker before the field has none.
   */
  wentLive?: boolean;
  /** Meta's identity-change check on the number, as numberflow last set it. */
  identityCheck: 'on' | 'off';
  /**
   * numberflow set the number's two-step PIN and the journey runs: an admin may read it back. A view from a worker
   * before it has none.
   */
  pinSet?: boolean;
  result: Omit<JourneyResult, 'pin'> | null;
  /**
   * A Graph call Temporal is retrying (a second attempt or later), which the journey hears of only when the retries
   * end: read from Temporal's description of the run, never by the workflow, whose own view has null.
   */
  callUnderWay: CallUnderWay | null;
}

export interface CallUnderWay {
  /** What the call is for, in the audit's words. */
  call: string;
  endpoint: string;
  /** Temporal's attempt: the one running, or the next while it waits to retry. */
  attempt: number;
  /** Running on a worker, paused in Temporal, waiting out the backoff, or due and waiting for a worker to take it. */
  state: 'running' | 'paused' | 'backing off' | 'waiting for a worker';
  /** How the attempt before went: Meta's error and fbtrace_id, or why no answer came. */
  attemptBefore: string | null;
  /** When the next attempt starts, while it waits out the backoff; null otherwise. */
  nextAttemptAt: string | null;
}

export const journeyQuery = defineQuery<JourneyView>('journey');

/**
 * The two-step PIN numberflow set on the number, or null: asked of an ended run whose result does not carry it (a
 * cancelled run ends with no result), by the next journey of the number that Meta asks for the old PIN. Answered as
 * `{pin}`, so the codec seals it.
 */
export const numberPinQuery = defineQuery<{ pin: string | null }>('numberPin');

/** A removal's wait for Meta's 30-day block after a paid message: the journey's reason, and the audit's. */
export const PAID_MESSAGE_BLOCK = 'Meta refuses deletion for 30 days after a paid message';

/** How the wait for an admin's deletion in WhatsApp Manager begins its reason. */
export const DELETION_WAIT = 'a portfolio admin must delete the number in WhatsApp Manager';

/** How a removal Meta blocked begins its wait's reason: what a page reads to offer the removal again. */
export const REMOVAL_BLOCKED = 'removal blocked';
/** The wait's reason when the operator chooses the PIN (pinPolicy operator), not Meta's old one: the console words its form so. */
export const CHOOSING_PIN = 'an operator must choose the 6-digit two-step PIN for this number';

/**
 * The view with its 72-hour count as of `now`: the journey counted at its last task, which may be days ago for an idle
 * live number (a call older than 72 hours still counted).
 */
export function countedNow(view: JourneyView, now = Date.now()): JourneyView {
  const calls = view.registrationCallsAt;
  if (calls === undefined) return view;
  const since = now - journeyPolicy.registrationWindowMs;
  return { ...view, registrationCallsIn72h: calls.filter((at) => Date.parse(at) > since).length };
}

/**
 * About when Meta's latest code stops working, as the view says it; for a view from a worker before the field, from
 * the code wait (Meta's code lasts 10 minutes of the wait's 15).
 */
export function codeLastsFrom(deadlines: JourneyView['deadlines']): string | null {
  if (deadlines.codeLastsUntil !== undefined) return deadlines.codeLastsUntil;
  const waitEnds = deadlines.codeExpiresAt;
  return waitEnds === null ? null : new Date(codeLastsUntil(Date.parse(waitEnds))).toISOString();
}
