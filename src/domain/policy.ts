// The journey's limits and waits, in one place. Durations are milliseconds of workflow time.
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const journeyPolicy = {
  /** Meta's moving window of register and deregister calls per number (10 allowed in it). */
  registrationWindowMs: 72 * HOUR,
  /** How long an operator has to submit a code before a new one is requested (Meta: codes last ~10 min). */
  otpWaitMs: 15 * MINUTE,
  /** How long Meta's code can be used after it was sent (about 10 minutes; later, Meta refuses it as wrong). */
  codeValidMs: 10 * MINUTE,
  /**
   * How long numberflow waits before its own ask once more after Meta refused a code for asking too often (136024):
   * Meta states no window; a code's wait (15 min) was outlasted by it, and the second refusal ended the journey.
   */
  codeRefusedWaitMs: HOUR,
  /** Code requests per journey, automatic and operator resends together (Meta limits request_code). */
  maxCodeRequests: 5,
  /** Wrong codes before the journey fails (each answered with the attempts left). */
  maxWrongCodes: 3,
  /** Wrong old PINs before the journey fails (Meta locks a number after repeated guesses: 133008). */
  maxWrongPins: 3,
  /** How long the journey waits for an operator's PIN, old PIN or new display name. */
  humanInputWaitMs: 7 * DAY,
  /** Waits on Meta's limits or outages before the journey gives up. */
  maxMetaWaits: 8,
  /** After a transient Graph error the journey calls again after this long, four times longer each time… */
  firstOutageWaitMs: 5_000,
  /** …up to this long between calls. */
  outageWaitMs: 15 * MINUTE,
  /**
   * A stored token the workers cannot open (its store key missing) is tried again after this long, twice as long
   * each time…
   */
  firstStoreKeyRecheckMs: 5 * MINUTE,
  /** …up to this long apart: putting a key back tells no journey… */
  storeKeyRecheckMs: HOUR,
  /** …and, after a day of them, this long apart (about ten history events a try). */
  storeKeyRecheckLaterMs: 6 * HOUR,
  /** Meta's refusals of the add at the portfolio's cap (200000) the journey re-queues for before it fails. */
  maxCapRequeues: 3,
  /** How long the journey waits for the portfolio's answer before it asks again (a reset portfolio forgets). */
  slotAnswerWaitMs: DAY,
  /** Polling PENDING → CONNECTED: first after this long, doubling, at most maxPollMs apart. */
  firstPollMs: 30_000,
  maxPollMs: 6 * HOUR,
  /** A number still PENDING after this long fails with the "number stays PENDING" remediation (docs/journey.md#endings). */
  connectTimeoutMs: 7 * DAY,
  /** Display-name review: polled this often as a safety net for a lost webhook. */
  nameReviewPollMs: 12 * HOUR,
  /** Meta allows this many display-name changes of a number in `nameChangeWindowMs`. */
  nameChangesPerWindow: 10,
  nameChangeWindowMs: 30 * DAY,
  /** After an approved name change the number must register again within 14 days (docs/meta-graph-api.md#display-name-changes). */
  reRegisterWindowMs: 14 * DAY,
  /** Meta refuses deletion for 30 days after a paid message (docs/meta-graph-api.md#paid-message-block). */
  paidMessageBlockMs: 30 * DAY,
  /**
   * A journey hears of its number's paid messages at most this often (the webhook router's throttle): the last one
   * it knows may be this much older than Meta's, so the block's end it waits for is this much later.
   */
  paidMessageHeardEveryMs: HOUR,
  /** While waiting for an admin to delete the number in WhatsApp Manager, look for it on Meta this often. */
  deletionPollMs: 6 * HOUR,
  /** A live number Meta limits (FLAGGED, RESTRICTED…) is read this often, for when Meta lifts it (no webhook says). */
  limitedStatusPollMs: 6 * HOUR,
  /** Webhook events LIVE keeps for the query (older ones stay in history). */
  recentEventsKept: 50,
} as const;

/**
 * Until when Meta's code lasts, given when the journey's wait for it ends (deadlines.codeExpiresAt): the wait and
 * the code's life both run from the code's request.
 */
export function codeLastsUntil(waitEndsMs: number): number {
  return waitEndsMs - journeyPolicy.otpWaitMs + journeyPolicy.codeValidMs;
}
