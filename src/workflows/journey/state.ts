// The journey's state: one serialisable object. It is what continue-as-new carries and what the `journey`
// query projects, so a fact the view shows cannot be lost between runs. Only the Journey's methods change it.
import type { NumberEvent } from '../../domain/events.js';
import type {
  CodeMethod,
  JourneyAttempts,
  JourneyInput,
  JourneyNote,
  JourneyResult,
  JourneyView,
  MetaStop,
  QualityUpdate,
  StageEntered,
} from '../../domain/journey.js';
import { DELETION_WAIT, PAID_MESSAGE_BLOCK, signupWindowEnds } from '../../domain/journey.js';
import { codeLastsUntil, journeyPolicy } from '../../domain/policy.js';
import type { CancelRequest } from '../../domain/messages.js';
import type { MetaError } from '../../domain/meta-error.js';
import { journeyStages, type StageOrOutcome } from '../../domain/stages.js';

/** Where the journey stands with its portfolio's registered-number cap. */
export type SlotState = 'none' | 'requested' | 'queued' | 'held';

export interface JourneyState {
  stage: StageOrOutcome;
  /** The stages entered, the last STAGES_KEPT. */
  stagesEntered: StageEntered[];
  waiting: JourneyView['waiting'];
  phoneNumberId: string | null;
  codeMethod: CodeMethod;
  /** Coexistence by the input, or found on Meta (is_on_biz_app) when the number is adopted. */
  coexistence: boolean;
  /** The two-step PIN (sealed in every payload; the view never shows it). */
  pin: string | null;
  /** Meta registered the number with `pin`: it is the number's two-step PIN, kept in the result for a later journey. */
  pinAccepted: boolean;
  status: string | null;
  slot: SlotState;
  /** Meta counts the number as registered (registered by this journey, or before it). */
  registered: boolean;
  /** Reached LIVE once: from then on the number is removed, never cancelled. */
  wentLive: boolean;
  codeExpiresAt: number | null;
  /**
   * Meta refused the latest request for a new code (a resend, or numberflow's own when a wait ended: 136024, asked
   * too often): why, and, for numberflow's own, when it asks once more. Null before one, and once a code is sent.
   */
  codeRefusal: { reason: string; askAgainAt: number | null } | null;
  /** Meta did not confirm the latest code request (its answer lost): a code may or may not have been sent. */
  codeUnconfirmed: boolean;
  reRegisterBy: number | null;
  deletionAllowedAt: number | null;
  lastPaidMessageAt: number | null;
  attempts: JourneyAttempts;
  /** When each register or deregister call of the last 72 h was made (Meta allows 10 per number). */
  registrationCalls: number[];
  displayName: JourneyView['displayName'];
  /** The name Meta declined last (absent before a decline, or in a state carried from before it was kept). */
  declinedName?: string;
  /**
   * When the name under review was sent to Meta (the add, or the latest change): Meta's decisions dated before are
   * an earlier request's. Absent before the first send, for an adopted number, or in a state carried from before.
   */
  nameSentAt?: number;
  /**
   * When the journey asked Meta for a new display name, those of the last 30 days (Meta allows 10 changes in 30 days).
   */
  nameChangesAt: number[];
  /**
   * The WhatsApp Business App disconnected this coexistence number from numberflow's app (Meta's PARTNER_REMOVED
   * with `disconnection_info`): the latest by Meta's date. Absent before one, or in a state carried from before.
   */
  disconnection?: { reason: string; initiatedBy: string | null; at: string };
  lastError: MetaError | null;
  recentEvents: NumberEvent[];
  notes: JourneyNote[];
  sendsPaused: boolean;
  /** Meta's event that stopped the number's sends, until one brings it back. */
  stoppedByMeta: MetaStop | null;
  /** Meta's date of the last event that stopped or brought back the number's sends (absent before the first). */
  metaStopChangedAt?: string;
  /**
   * The name an adopted number was given instead of one Meta never approved, asked of Meta (GIVEN_NAME_PATCH): Meta
   * takes it as the number's name, so its approval is in effect with no register, as a first name's is.
   */
  givenNameAsked?: string;
  /** Meta's latest quality update of the number. */
  quality: QualityUpdate | null;
  /** Meta's identity-change check as numberflow last set it (off until it sets one). */
  identityCheck: boolean;
  /** A removal blocked by Meta, with why and what to do; cleared when an admin asks again. */
  restriction: { reason: string; remediation: string } | null;
  /**
   * The restrictions (type, date, expiration) that blocked a removal, the latest 20: the same one delivered again
   * (Meta's retry, another replica's inbox) does not block it again after an admin asked again.
   */
  restrictionsActedOn: string[];
  cancel: (CancelRequest & { throughTemporal: boolean }) | null;
  result: JourneyResult | null;
}

export function initialState(input: JourneyInput): JourneyState {
  return {
    stage: 'WAITING_FOR_CAPACITY', // the start sets the same value as a search attribute
    stagesEntered: [{ stage: 'WAITING_FOR_CAPACITY', at: new Date().toISOString() }],
    waiting: null,
    phoneNumberId: input.phoneNumberId ?? null,
    codeMethod: input.codeMethod,
    coexistence: input.path === 'coexistence',
    pin: null,
    pinAccepted: false,
    status: null,
    slot: 'none',
    registered: false,
    wentLive: false,
    codeExpiresAt: null,
    codeRefusal: null,
    codeUnconfirmed: false,
    reRegisterBy: null,
    deletionAllowedAt: null,
    lastPaidMessageAt: null,
    attempts: { codeRequests: 0, wrongCodes: 0, wrongPins: 0, registerCalls: 0, deregisterCalls: 0 },
    registrationCalls: [],
    displayName: { current: input.displayName, pending: null, status: 'PENDING_REVIEW' },
    nameChangesAt: [],
    lastError: null,
    recentEvents: [],
    notes: [],
    sendsPaused: false,
    stoppedByMeta: null,
    quality: null,
    identityCheck: false,
    restriction: null,
    restrictionsActedOn: [],
    cancel: null,
    result: null,
  };
}

/** The fields a state carried over from an older run may lack: each has its default in `upgradeCarried`. */
type KeptSince =
  | 'stagesEntered'
  | 'pinAccepted'
  | 'codeRefusal'
  | 'codeUnconfirmed'
  | 'nameChangesAt'
  | 'stoppedByMeta'
  | 'quality'
  | 'identityCheck'
  | 'restrictionsActedOn';

/** The state a run continued as new receives: one carried from an older version lacks the fields it did not keep. */
export type CarriedState = Omit<JourneyState, KeptSince> & Partial<Pick<JourneyState, KeptSince>>;

/**
 * A carried state with every field its run's version did not keep filled in, once, where it enters the Journey (state
 * only, no command: a run replays as before). Its stages start with the one it is in, entered now (this run's start).
 */
export function upgradeCarried(carried: CarriedState): JourneyState {
  return {
    ...carried,
    stagesEntered: carried.stagesEntered ?? [{ stage: carried.stage, at: new Date().toISOString() }],
    // A run from before `pinAccepted` was carried live, so registered with its PIN.
    pinAccepted: carried.pinAccepted ?? carried.wentLive,
    codeRefusal: carried.codeRefusal ?? null,
    codeUnconfirmed: carried.codeUnconfirmed ?? false,
    nameChangesAt: carried.nameChangesAt ?? [],
    stoppedByMeta: carried.stoppedByMeta ?? null,
    quality: carried.quality ?? null,
    identityCheck: carried.identityCheck ?? false,
    restrictionsActedOn: carried.restrictionsActedOn ?? [],
  };
}

/** When the wait in AWAITING_OTP ends: the code's, or, after Meta refused a new one, when numberflow asks again. */
export function codeWaitEnds(state: JourneyState): number | null {
  return state.codeRefusal?.askAgainAt ?? state.codeExpiresAt;
}

/**
 * From when a deletion confirmation is taken: the end the removal waits for, or — a paid message heard of after that
 * wait — 30 days and an hour after the last one (the router tells a journey of a number's paid messages once an hour
 * at most). Null where neither is known.
 */
export function deletionTakenFrom(state: JourneyState): number | null {
  const { lastPaidMessageAt: lastPaid, deletionAllowedAt } = state;
  const { paidMessageBlockMs, paidMessageHeardEveryMs } = journeyPolicy;
  const heard = lastPaid === null ? null : lastPaid + paidMessageBlockMs + paidMessageHeardEveryMs;
  return heard === null ? deletionAllowedAt : Math.max(deletionAllowedAt ?? 0, heard);
}

const removalStages = new Set<StageOrOutcome>(['REMOVING', 'REMOVED']);

/**
 * The display name as Meta holds it. Before the number went live, the name Meta declined last is the one it holds
 * (a second replaced the first, never approved) until another is approved: shown as the current name (and the one a
 * name under review replaces), where the state keeps the first for its checks.
 */
function shownName(state: JourneyState): JourneyView['displayName'] {
  const { displayName, declinedName } = state;
  return !state.wentLive && declinedName ? { ...displayName, current: declinedName } : { ...displayName };
}

/** The query's view: where the journey stands and who it waits for. No PIN, no code. */
export function viewOf(input: JourneyInput, state: JourneyState, now: number): JourneyView {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const dayAgo72 = now - journeyPolicy.registrationWindowMs;
  const recentCalls = state.registrationCalls.filter((at) => at > dayAgo72);
  const signupEnds = state.registered || state.wentLive || state.result ? null : iso(signupWindowEnds(input));
  return {
    e164: input.phoneNumber.e164,
    wabaId: input.wabaId,
    portfolioId: input.portfolioId,
    path: state.coexistence ? 'coexistence' : 'cloud_api',
    stage: state.stage,
    stagesEntered: [...state.stagesEntered],
    phoneNumberId: state.phoneNumberId,
    codeMethod: state.codeMethod,
    ivr: input.ivr,
    waiting: boundedBySignup(state, paidBlockWait(state, now), signupEnds),
    // A run carried over from before the field holds none.
    removalBlocked: state.stage === 'REMOVING' ? (state.restriction ?? null) : null,
    deadlines: {
      signupExpiresAt: signupEnds,
      codeExpiresAt: state.stage === 'AWAITING_OTP' ? iso(codeWaitEnds(state)) : null,
      // The code sent last, not the refusal's wait (136024): the code sent before it may still work.
      codeLastsUntil:
        state.stage === 'AWAITING_OTP' && state.codeExpiresAt !== null
          ? iso(codeLastsUntil(state.codeExpiresAt))
          : null,
      reRegisterBy: iso(state.reRegisterBy),
      // Once removing, when the journey takes a confirmation (a paid message heard after the wait moves it).
      deletionAllowedAt: iso(removalStages.has(state.stage) ? deletionTakenFrom(state) : state.deletionAllowedAt),
    },
    attempts: { ...state.attempts },
    registrationCallsIn72h: recentCalls.length,
    registrationCallsAt: recentCalls.map((at) => new Date(at).toISOString()),
    displayName: shownName(state),
    status: state.status,
    lastError: state.lastError,
    recentEvents: [...state.recentEvents],
    notes: [...state.notes],
    // A number Meta banned sends nothing (one it flags, restricts or rate-limits may still send some: its status says).
    sendsPaused: state.sendsPaused || Boolean(state.stoppedByMeta) || state.status === 'BANNED',
    stoppedByMeta: state.stoppedByMeta,
    quality: state.quality,
    wentLive: state.wentLive,
    identityCheck: state.identityCheck ? 'on' : 'off',
    // While the journey runs: an ended one reveals no PIN (its next journey tries it by itself).
    pinSet: state.result === null && Boolean(numberPinOf(state)),
    result: state.result && withoutPin(state.result),
    callUnderWay: null, // Temporal's description knows it, the workflow does not: the reader adds it
  };
}

/**
 * The wait for Meta's paid-message block ends when a confirmation is taken: a run from before the hour's margin
 * (patch paid-message-block-with-the-hour-unheard) waits its timer out, then the hour, as its confirmation says.
 */
function paidBlockWait(state: JourneyState, now: number): JourneyView['waiting'] {
  const { waiting } = state;
  const taken = deletionTakenFrom(state);
  if (!waiting || taken === null) return waiting;
  // A paid message heard while the admin's deletion is awaited: Meta refuses the deletion until the new end, as
  // does the journey a confirmation (the wait itself looks again every 6 hours).
  if (waiting.reason.startsWith(DELETION_WAIT) && taken > now) {
    const until = new Date(taken).toISOString();
    return {
      ...waiting,
      until,
      reason: `not before ${until} (Meta refuses the deletion for 30 days after a paid message, and one came): ${waiting.reason}`,
    };
  }
  if (waiting.reason !== PAID_MESSAGE_BLOCK || waiting.until == null) return waiting;
  return Date.parse(waiting.until) < taken ? { ...waiting, until: new Date(taken).toISOString() } : waiting;
}

/** The stages the signup window races (number-journey.ts, registerInTime): a wait in them ends with the window. */
const RACED_BY_SIGNUP: readonly StageOrOutcome[] = journeyStages.slice(0, journeyStages.indexOf('AWAITING_PIN') + 1);

/**
 * A wait before registration whose end would come after the signup window's ends with it: the journey ends SIGNUP_EXPIRED
 * then. Its `until` is the window's end, and its reason says so (the stage's own wait — a code's 15 minutes, a PIN's 7
 * days, Meta's 72 hours — would promise more time than there is). So does a wait with no end of its own (a person's
 * token, the portfolio's queue) in a stage the window races.
 */
function boundedBySignup(
  state: JourneyState,
  waiting: JourneyView['waiting'],
  signupEnds: string | null,
): JourneyView['waiting'] {
  if (!waiting || signupEnds === null) return waiting;
  const openEnded = waiting.until == null && !state.coexistence && RACED_BY_SIGNUP.includes(state.stage);
  if (!openEnded && (waiting.until == null || waiting.until <= signupEnds)) return waiting;
  const reason = `${waiting.reason.replace(/\.$/, '')}; but the 14-day signup window closes first, at ${signupEnds}: the journey then ends SIGNUP_EXPIRED unless the number is registered by then (Embedded Signup again to go on).`;
  return { ...waiting, until: signupEnds, reason };
}

/** The two-step PIN numberflow set on the number, once Meta took it; null when it set none. */
export function numberPinOf(state: JourneyState): string | null {
  return state.pinAccepted ? state.pin : null;
}

function withoutPin({ pin: _pin, ...result }: JourneyResult): Omit<JourneyResult, 'pin'> {
  return result;
}
