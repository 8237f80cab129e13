// Workflow-safe definitions of the portfolio entity: it owns the registered-number cap (docs/meta-graph-api.md#registered-number-cap).
// Journeys ask for a slot by signal and are answered by signal, so a burst of thousands never meets the server's
// per-workflow limit on in-flight updates and no journey holds a worker slot while it waits.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { visibleControls } from './operator-input.js';

/** New portfolios may register 2 numbers; verification or a 2,000 messaging limit raises it to 20. */
export const DEFAULT_NUMBER_CAP = 2;
/** A verified business's portfolio may register 20 numbers. */
export const VERIFIED_NUMBER_CAP = 20;

/** The cap a new portfolio starts at, from its business's verification status as Meta reports it. */
export function capOfVerification(status: string): number {
  return status === 'verified' ? VERIFIED_NUMBER_CAP : DEFAULT_NUMBER_CAP;
}

/** How often the portfolio checks that every slot holder is still a running journey or a number Meta counts. */
export const RECONCILE_EVERY_MS = 60 * 60 * 1000;

/**
 * The ApplicationFailure type of a slot request whose WABA another business portfolio owns at Meta; details[0] is
 * a WabaElsewhere. The journey ends FAILED on it: its cap, its queue and its principals are another portfolio's.
 */
export const WABA_ELSEWHERE_TYPE = 'WabaInAnotherPortfolio';

export interface WabaElsewhere {
  wabaId: string;
  /** The portfolio the journey was started in. */
  portfolioId: string;
  /**
   * The portfolio that owns the WABA at Meta, in runs before it was kept out of history (it may be another
   * customer's, and history is decoded for any reader: the worker's log names it now).
   */
  owner?: string;
}

/**
 * The refusal's words, the same in the failure, the ending and the audit. The owner is not named: it may be another
 * customer's, and whoever reads the journey's portfolio — a principal limited to it too — reads these (the worker's
 * log names it, for the admins; Embedded Signup refuses such a WABA alike to a caller limited to other portfolios).
 */
export function wabaElsewhereText({ wabaId, portfolioId }: WabaElsewhere): string {
  return `WABA ${wabaId} belongs to another business portfolio at Meta, not ${portfolioId}`;
}

/**
 * askForSlot's answer when it could not read the WABA's owner (no token yet, Meta slow or failing): the journey asks
 * by the requestSlot activity instead, which reads the owner with the activity's retries, and waits for a token,
 * before any portfolio is asked.
 */
export interface OwnerUnread {
  ownerUnread: true;
}

export function portfolioWorkflowId(portfolioId: string): string {
  return `portfolio:${portfolioId}`;
}

/** Where the portfolio's belief of its cap came from. */
export const capSources = [
  /** Meta's rule for a new portfolio: nothing said otherwise yet. */
  'default',
  /** Meta's business_capability_update webhook. */
  'meta_webhook',
  /** The business's verification status as the Graph API reports it (verified: 20, else 2). */
  'business_verification',
  /** An admin, through the API or the command line (with who and why). */
  'admin',
  /** Meta refused an add with 200000: the cap is what Meta holds registered. */
  'meta_refusal',
  /** A portfolio run from before numberflow kept where its cap came from. */
  'unknown',
] as const;
export type CapSourceKind = (typeof capSources)[number];

export interface CapSource {
  source: CapSourceKind;
  at: string | null;
  actor: string | null;
  reason: string | null;
}

/** Where a cap Meta gave came from, in words (the portfolio's notes, `portfolio show`). */
export const capSourceNames = {
  meta_webhook: "Meta's business_capability_update",
  business_verification: "the business's verification status at Meta",
} as const;

/** A cap set: to what, from where, by whom and why, when. */
export interface CapChange extends CapSource {
  cap: number;
}

/** The cap changes a portfolio keeps. */
export const CAP_CHANGES_KEPT = 100;

export interface PortfolioInput {
  portfolioId: string;
  cap?: number;
  /** Where `cap` came from; default: Meta's rule for a new portfolio. */
  capSource?: CapSourceKind;
  /** Numbers registered before numberflow knew the portfolio; they hold slots no journey will release. */
  preregistered?: string[];
  /** The WABA `preregistered` was read from: a reconciliation frees their slots once Meta no longer counts them. */
  preregisteredWabaId?: string;
  /** When Meta sent `cap`, with capSource meta_webhook (its webhook's entry.time); absent otherwise. */
  capAt?: string;
  /** Default RECONCILE_EVERY_MS. */
  reconcileEveryMs?: number;
  /** Carried over by continue-as-new. */
  state?: PortfolioState;
}

export interface SlotHolder {
  e164: string;
  /** null: a number Meta counts as registered with no running journey behind it. */
  workflowId: string | null;
  /** The journey run the slot was granted to (a reconciliation frees a slot only if it is still that run's). */
  runId: string | null;
  /** That journey's first run (SlotRequest.firstRunId), when it said. */
  firstRunId?: string;
  wabaId: string | null;
  since: string;
  /** Its admission's number (the portfolio's count of admissions then): the order holders were let through in. */
  admission?: number;
}

export interface QueuedJourney {
  e164: string;
  workflowId: string;
  runId: string;
  /** The journey's first run (SlotRequest.firstRunId), when it said. */
  firstRunId?: string;
  wabaId: string;
  since: string;
  /** When the journey started (SlotRequest.startedAt), when it said: the queue is in this order. */
  startedAt?: string;
  /**
   * Set on a journey back in the queue because Meta refused its add at the cap: when it got the slot it gave back.
   * Such journeys wait at the head of the queue in the order they got it (`admission`, when it was counted).
   */
  heldSince?: string;
  /** With heldSince: the admission number of the slot it gave back. */
  admission?: number;
}

export interface PortfolioNote {
  at: string;
  what: string;
}

export interface PortfolioState {
  cap: number;
  /** Absent in the state of a portfolio run started before numberflow kept it. */
  capSource?: CapSource;
  holders: SlotHolder[];
  queue: QueuedJourney[];
  admissions: number;
  reconcileEveryMs: number;
  /** Answers not yet delivered (a continue-as-new carries them to the next run). */
  outbox: { workflowId: string; answer: SlotAnswer }[];
  /** Runs that released before their request arrived (a cancel racing the request): their request is ignored. */
  released: { runId: string; at: string }[];
  notes: PortfolioNote[];
  /**
   * What the last reconciliation could not do, noted when it began (an hourly note would push every other out): the
   * WABAs Meta refused to show, and whether the whole reconciliation failed. Absent in older runs' state.
   */
  unreconciled?: { wabas: string[]; failed: boolean };
  /**
   * When the next reconciliation is due, and whether one was asked for (reconcileSignal) and not yet begun: kept as
   * they change and carried over by continue-as-new, which put it off by a whole period each time (under a burst,
   * for as long as it lasted). Absent in the state older runs carried.
   */
  reconcileDueAt?: string;
  reconcileRequested?: boolean;
  /** The ids of the asks (ReconcileRequest.id) no reconciliation has begun after yet. Absent in older runs' state. */
  reconcileAsks?: string[];
  /**
   * Meta refused an add at its cap while the portfolio held fewer slots than Meta counts (numbers registered outside
   * numberflow): nobody is let through until a reconciliation has read what Meta counts. Absent in older runs' state.
   */
  learning?: boolean;
  /** Counts the refusals that made admissions wait: only a reconciliation begun after the latest ends the wait. */
  learningRound?: number;
  /**
   * The cap Meta last gave (its business_capability_update, or the one learnt at the start or an admin replaced):
   * a webhook that repeats it leaves an admin's cap as it is. Absent in runs from before that kept none.
   */
  metaCap?: number;
  /**
   * When Meta sent `metaCap` (its webhook's entry.time): an update Meta sent before is a late delivery, ignored.
   * Absent in runs from before that kept none, and for a cap Meta dated not (the verification's, an undated webhook).
   */
  metaCapAt?: string;
  /**
   * When the portfolio took `metaCap` from Meta's webhook (its workflow time): a refusal at fewer numbers the journey
   * had before it is older than that cap. Absent in runs from before that kept none.
   */
  metaCapTakenAt?: number;
  /**
   * Every change of the cap (and every cap a person set), the latest CAP_CHANGES_KEPT, kept apart from the notes (a
   * burst of refusals pushed an admin's change out of them). Absent in older runs' state.
   */
  capChanges?: CapChange[];
  /**
   * When the last reconciliation ran, and what it found, in words (one line, kept out of the notes); whether it
   * failed, and the asks it answered (begun after them), when so. Older runs' kept neither.
   */
  lastReconciliation?: { at: string; found: string; failed?: boolean; asks?: string[] };
}

/** A journey's request for a slot, the same type from the journey to the portfolio. */
export interface SlotRequest {
  e164: string;
  workflowId: string;
  runId: string;
  wabaId: string;
  /** Meta already counts the number (adopted CONNECTED, coexistence): it takes a slot at once, even over the cap. */
  registered: boolean;
  /** The journey's first run (its runs continued as new keep it): absent from a journey before it was sent. */
  firstRunId?: string;
  /**
   * When the journey started (its run's start, ISO: it asks in the run it was started in): the queue is in this
   * order, not in that of the asks, which a bulk start's journeys make in whatever order the worker takes their first
   * tasks. Absent from a journey before it was sent.
   */
  startedAt?: string;
}

export interface SlotRelease {
  e164: string;
  runId?: string;
  /**
   * The releasing journey's first run: a release of another journey of the number (a late one, one sent by hand, one
   * a reset applied again) leaves a slot it does not hold alone. Absent from a journey before it was sent.
   */
  firstRunId?: string;
  /** Meta still counts the number (it could not be deregistered): the slot stays taken, with no journey. */
  stillRegistered?: boolean;
  /**
   * The journey ended on Meta's refusal of its add at the cap, Meta then holding this many registered: the portfolio
   * lowers its cap to it, as at a refusal that re-queues (capRefusedSignal).
   */
  capRefusedAt?: number;
  /** When the journey had that refusal, as CapRefusal's `at`. */
  capRefusedWhen?: string;
}

export interface SlotAnswer {
  granted: boolean;
  /** 1-based place in the queue when not granted. */
  position: number | null;
  cap: number;
  held: number;
  /**
   * The WABA is another portfolio's at Meta: no portfolio was asked, and the journey ends. Sent by the journey's own
   * first request (never by a portfolio), by signal: ended in the task that asked, a journey whose first task the
   * worker had to send early (its window's timer) replayed the ending where history had that timer.
   */
  refused?: WabaElsewhere;
}

export const requestSlotSignal = defineSignal<[SlotRequest]>('requestSlot');
export const releaseSlotSignal = defineSignal<[SlotRelease]>('releaseSlot');
/** The portfolio's answer to requestSlot, signalled to the journey. */
export const slotAnswerSignal = defineSignal<[SlotAnswer]>('slotAnswer');
/** The first version's request, by update: answered at once, granted or the place in the queue. */
export type AcquireSlotRequest = Pick<SlotRequest, 'e164' | 'workflowId'> & Partial<SlotRequest>;
export const acquireSlotUpdate = defineUpdate<SlotAnswer, [AcquireSlotRequest]>('acquireSlot');
/** A new cap: Meta's business_capability_update (max_phone_numbers_per_business), or an admin's through the API. */
export interface CapabilityUpdate {
  maxPhoneNumbers: number;
  /** Absent in Meta's webhook (and in the first version's signals). */
  source?: 'meta' | 'admin' | 'business_verification' | 'meta_refusal';
  actor?: string;
  reason?: string;
  /** When Meta sent it (the webhook's entry.time, else when it was received); absent from others and older senders. */
  at?: string;
}
export const capabilityUpdateSignal = defineSignal<[CapabilityUpdate]>('capabilityUpdate');
/** Meta refused a slot holder's add at the cap (200000): it goes back to the head of the queue. */
export interface CapRefusal {
  e164: string;
  runId: string;
  /** The numbers Meta holds registered (on the journey's WABA) when it refused: the cap is no more than that. */
  registered: number;
  /**
   * When the journey had Meta's refusal (its workflow time, Temporal's clock): one from before the portfolio took a
   * higher cap of Meta's does not lower it. Absent from journeys before it was sent.
   */
  at?: string;
}
export const capRefusedSignal = defineSignal<[CapRefusal]>('capRefused');
/**
 * Continue as new on this task queue at the next safe point (no answer owed, no handler running), the whole state
 * carried: portfolios started on the journeys' queue move to their own (src/temporal/move-portfolios.ts).
 */
export interface TaskQueueMove {
  taskQueue: string;
}
export const moveToTaskQueueSignal = defineSignal<[TaskQueueMove]>('moveToTaskQueue');
/** Who asked for a reconciliation now, and why: absent when sent by hand (`temporal workflow signal`), as before. */
export interface ReconcileRequest {
  actor: string;
  reason: string;
  /** The asker's own id for this ask: the reconciliation that begins after it names it (lastReconciliation.asks). */
  id?: string;
}
/** How long an admin's reconciliation now is waited for (it reads Meta, WABA by WABA) before it is said asked. */
export const RECONCILED_WITHIN_MS = 10_000;
/** Reconcile the holders with the journeys now, instead of at the next scheduled time. */
export const reconcileSignal = defineSignal<[ReconcileRequest?]>('reconcile');
export const portfolioQuery = defineQuery<PortfolioState>('portfolio');

/** What the reconciliation found for the holders and queued journeys it was given. */
export interface ReconcileReport {
  /** Holders whose journey is gone and which Meta does not count: their slot is free. */
  free: string[];
  /** Holders whose journey is gone but which Meta still counts as registered: kept, without a journey. */
  registeredWithoutJourney: string[];
  /** Queued journeys that are no longer running. */
  goneFromQueue: string[];
  /** WABAs whose numbers Meta refused to show (a token revoked, a WABA gone): their holders were not checked. */
  unread?: { wabaId: string; why: string }[];
  /**
   * Holders without a journey whose number has one running (a portfolio started anew while its numbers' journeys
   * ran): the slot is that journey's. Absent from reports made before it was looked for.
   */
  journeysFound?: { e164: string; workflowId: string; runId: string; wabaId: string | null }[];
  /**
   * Numbers Meta counts as registered on the portfolio's WABAs that hold no slot (registered outside numberflow):
   * they take one, without a journey. Absent from reports made before they were looked for.
   */
  countedWithoutSlot?: { e164: string; wabaId: string }[];
  /** Holders with neither a journey nor a known WABA: nothing could check them. Absent from older reports. */
  unchecked?: string[];
}

/** Where a cap came from, in words (an admin's reason shown, not obeyed: one sent by signal was never checked). */
export function capSourceText({ source, at, actor, reason }: CapSource): string {
  const when = at ? ` (${at})` : '';
  switch (source) {
    case 'default':
      return `Meta's default for a new portfolio${when}`;
    case 'meta_webhook':
      return `from ${capSourceNames.meta_webhook}${when}`;
    case 'business_verification':
      return `from ${capSourceNames.business_verification}${when}`;
    case 'admin':
      // Shown, not obeyed: a reason sent by signal (the Temporal CLI) was never checked.
      return visibleControls(`set by ${actor ?? 'an admin'}${reason ? `: ${reason}` : ''}`, false) + when;
    case 'meta_refusal':
      return `lowered when Meta refused an add at the cap (200000)${when}`;
    case 'unknown':
      return 'from before numberflow kept where a cap came from';
  }
}
