// The portfolio's book of slots: who holds one, who waits in line, what answers are owed. One serialisable
// state (carried by continue-as-new and shown by the query), changed only by these methods.
import {
  CAP_CHANGES_KEPT,
  capSourceNames,
  DEFAULT_NUMBER_CAP,
  RECONCILE_EVERY_MS,
  type CapabilityUpdate,
  type CapRefusal,
  type PortfolioInput,
  type PortfolioState,
  type QueuedJourney,
  type ReconcileReport,
  type ReconcileRequest,
  type SlotAnswer,
  type SlotHolder,
  type SlotRelease,
  type SlotRequest,
} from '../../domain/portfolio.js';
import { CLOCKS_APART_MS, sentLateBefore } from '../../domain/events.js';
import { plural } from '../../domain/words.js';
import { CONTROL_CHARACTER } from '../../domain/operator-input.js';
import { isIsoTime } from '../../domain/shape.js';

const NOTES_KEPT = 50;
const RELEASED_KEPT = 500;
/** Asks for a reconciliation not yet begun after, kept by id (an admin's, a few at a time), and an id's length. */
const ASKS_KEPT = 20;
const ASK_ID_MAX = 100;

/** Where a cap no person set came from, in a note's words. */
const capSourceWords: Partial<Record<string, string>> = { ...capSourceNames, meta_refusal: 'lowered' };

/** The queued runs a reconciliation looked at, and whether one queued since keeps its place (a patch decided there). */
export interface QueueChecked {
  runs: Map<string, string>;
  keepsRequeued: () => boolean;
}

export class PortfolioBook {
  readonly state: PortfolioState;
  /** Whether the run decides by journey (patched() in the workflow; true outside one). */
  private readonly matchesJourneys: () => boolean;
  /** The asks the reconciliation under way answers (beginReconciliation). */
  private answering: string[] = [];

  /** `matchesJourneys`: whether a release is matched to its journey by first run (the workflow's patch). */
  constructor(input: PortfolioInput, matchesJourneys: () => boolean = () => true) {
    this.matchesJourneys = matchesJourneys;
    const now = new Date().toISOString();
    this.state = input.state ?? {
      cap: input.cap ?? DEFAULT_NUMBER_CAP,
      capSource: { source: input.capSource ?? 'default', at: now, actor: null, reason: null },
      holders: (input.preregistered ?? []).map((e164) => ({
        e164,
        workflowId: null,
        runId: null,
        wabaId: input.preregisteredWabaId ?? null,
        since: now,
      })),
      queue: [],
      admissions: 0,
      reconcileEveryMs: input.reconcileEveryMs ?? RECONCILE_EVERY_MS,
      outbox: [],
      released: [],
      notes: [],
      // A cap learnt from Meta is the one its webhook would repeat.
      ...(input.cap !== undefined && (input.capSource === 'meta_webhook' || input.capSource === 'business_verification')
        ? { metaCap: input.cap }
        : {}),
      // Only a cap Meta dated orders the webhooks after it: the verification's is numberflow's reading of a status.
      ...(input.capSource === 'meta_webhook' && input.capAt !== undefined ? { metaCapAt: input.capAt } : {}),
    };
  }

  /** Whether the run `runId` has released what it held (a request of it that comes later is ignored). */
  releasedRun(runId: string): boolean {
    return runId !== '' && this.state.released.some((r) => r.runId === runId);
  }

  /**
   * A journey asks for a slot: granted, or its place in the queue. Repeated requests get the same answer.
   * `keepsStartOrder`: whether a journey that started before others at the queue's tail waits ahead of them (the
   * workflow's patch, asked only then).
   */
  request(request: SlotRequest, keepsStartOrder: () => boolean = () => true): SlotAnswer | null {
    const { state } = this;
    if (this.releasedRun(request.runId)) {
      this.note(
        `ignored a slot request of ${request.e164} that came after its journey released (run ${request.runId})`,
      );
      return null;
    }
    const holder = state.holders.find((h) => h.e164 === request.e164);
    if (holder) {
      const { workflowId, runId, wabaId, firstRunId } = request;
      Object.assign(holder, { workflowId, runId, wabaId }, firstRunId ? { firstRunId } : {});
      return this.answer(true, null);
    }
    const queued = state.queue.findIndex((q) => q.e164 === request.e164);
    const entry = state.queue[queued];
    // A journey started for the number while another's entry waits (that one terminated) takes its place.
    if (entry && request.firstRunId && entry.firstRunId !== request.firstRunId && this.matchesJourneys()) {
      const { workflowId, runId, wabaId, firstRunId } = request;
      Object.assign(entry, { workflowId, runId, wabaId, firstRunId });
    }
    if (queued >= 0 && !request.registered) return this.answer(false, queued + 1);
    if (queued >= 0) state.queue.splice(queued, 1);
    if (request.registered || (state.holders.length < state.cap && state.queue.length === 0 && !state.learning)) {
      this.hold(request);
      return this.answer(true, null);
    }
    const waiting = this.entry(request);
    const place = this.placeByStart(waiting, keepsStartOrder);
    state.queue.splice(place, 0, waiting);
    return this.answer(false, place + 1);
  }

  /**
   * Where a new entry waits: last, but ahead of the entries at the queue's tail whose journeys started after it — a
   * bulk start's journeys ask in the order the worker takes their first tasks, up to minutes apart. Never ahead of a
   * journey back from Meta's refusal at the cap, nor of one that did not say when it started.
   */
  private placeByStart(waiting: QueuedJourney, keepsStartOrder: () => boolean): number {
    const { queue } = this.state;
    let place = queue.length;
    const started = waiting.startedAt;
    if (started === undefined) return place;
    for (; place > 0; place--) {
      const ahead = queue[place - 1]!;
      if (ahead.heldSince !== undefined || ahead.startedAt === undefined || ahead.startedAt <= started) break;
    }
    return place < queue.length && keepsStartOrder() ? place : queue.length;
  }

  /** Answers the journey by signal (delivered by the workflow's loop). */
  owe(workflowId: string, answer: SlotAnswer): void {
    this.state.outbox.push({ workflowId, answer });
  }

  release(
    { e164, runId, firstRunId, stillRegistered, capRefusedAt, capRefusedWhen }: SlotRelease,
    keepsMetaCap: () => boolean = () => true,
  ): void {
    const { state } = this;
    const otherJourney = (held: { firstRunId?: string }) =>
      firstRunId !== undefined && held.firstRunId !== undefined && held.firstRunId !== firstRunId;
    if (capRefusedAt !== undefined) {
      this.note(
        `Meta refused to add ${e164} (200000) with ${plural(capRefusedAt, 'number')} registered: its journey ended`,
      );
      this.lowerCapAtRefusal(e164, capRefusedAt, capRefusedWhen, keepsMetaCap);
    }
    if (runId) {
      state.released.push({ runId, at: new Date().toISOString() });
      if (state.released.length > RELEASED_KEPT) state.released.splice(0, state.released.length - RELEASED_KEPT);
    }
    const holder = state.holders.find((h) => h.e164 === e164);
    if (holder && otherJourney(holder) && this.matchesJourneys()) {
      this.note(
        `ignored a release of ${e164} by another journey of the number (run ${runId ?? '?'}): run ${holder.runId ?? '?'} holds its slot`,
      );
      return;
    }
    state.queue = state.queue.filter((q) => q.e164 !== e164 || (otherJourney(q) && this.matchesJourneys()));
    if (!holder) return;
    if (stillRegistered) {
      detach(holder);
      this.note(`${e164} left its journey but Meta still counts it as registered: its slot stays taken`);
      return;
    }
    state.holders = state.holders.filter((h) => h !== holder);
  }

  /**
   * Meta's cap, or an admin's (`by` names who and why: noted even when the cap stays the same). Meta's webhook
   * repeating the cap it announced last leaves an admin's cap as it is (a new WABA's webhook carries the cap
   * unchanged); `keepsAdminCap` is asked only then (the workflow's patch: runs from before took it). Meta's webhook
   * sent before the cap Meta gave last (a late delivery, or one Meta sent again) is noted and ignored;
   * `ignoresLate` is asked only then (runs from before took it), `ignoresNearlyAsLate` only for one sent 2 minutes or
   * less before it (runs from before the second patch took that).
   */
  setCap(
    cap: number,
    by: Pick<CapabilityUpdate, 'source' | 'actor' | 'reason' | 'at'> = {},
    keepsAdminCap: () => boolean = () => true,
    ignoresLate: () => boolean = () => true,
    ignoresNearlyAsLate: () => boolean = () => true,
  ): boolean {
    if (!Number.isInteger(cap) || cap <= 0) return false;
    const setBy = by.actor ? ` (set by ${by.actor}${by.reason ? `: ${by.reason}` : ''})` : '';
    const source = by.source === undefined || by.source === 'meta' ? 'meta_webhook' : by.source;
    const { capSource } = this.state;
    const admins = capSource?.source === 'admin' ? (capSource.actor ?? 'an admin') : null;
    // An admin replacing a cap learnt from Meta: that cap is the one Meta's webhook would repeat.
    const fromMeta = capSource?.source === 'meta_webhook' || capSource?.source === 'business_verification';
    if (source === 'admin' && fromMeta) this.state.metaCap ??= this.state.cap;
    if (source === 'meta_webhook') {
      const before = this.sentBeforeMetaCap(cap, by.at);
      if ((before === 'late' && ignoresLate()) || (before === 'within the clocks' && ignoresNearlyAsLate())) {
        this.note(
          `ignored Meta's business_capability_update of ${cap} sent at ${by.at}: Meta gave the cap of ${this.state.metaCap} later, at ${this.state.metaCapAt}`,
        );
        return true;
      }
      const repeated = this.state.metaCap === cap;
      this.state.metaCap = cap;
      if (!repeated) this.state.metaCapTakenAt = Date.now();
      const sentAt = Date.parse(by.at ?? '');
      if (!Number.isNaN(sentAt) && !(sentAt < Date.parse(this.state.metaCapAt ?? ''))) this.state.metaCapAt = by.at;
      if (admins !== null && cap === this.state.cap) return true; // Meta agrees with the admin: the admin's stays
      // A hold below Meta's cap stays; one above it is Meta's to correct (the head would only be refused).
      if (admins !== null && repeated && this.state.cap < cap && keepsAdminCap()) {
        this.note(
          `Meta's business_capability_update repeats its cap of ${cap}: the cap of ${this.state.cap} ${admins} set stays`,
        );
        return true;
      }
    }
    const sourceChanged = this.state.capSource?.source !== source;
    // Dated whenever the cap or its source changes, or a person sets it; a duplicate delivery keeps the date it had.
    if (sourceChanged || setBy || cap !== this.state.cap) {
      const at = new Date().toISOString();
      this.state.capSource = { source, at, actor: by.actor ?? null, reason: by.reason ?? null };
    }
    if (cap === this.state.cap && !setBy) return true; // a duplicate delivery changes nothing
    const replaces = admins !== null && !setBy ? `; it replaces the ${this.state.cap} ${admins} set` : '';
    const why = by.reason ? `: ${by.reason}` : '';
    const from = setBy || ` (${capSourceWords[source] ?? source}${why}${replaces})`;
    this.state.cap = cap;
    this.note(`the cap is now ${plural(cap, 'registered number')}${from}`);
    const change = { cap, ...(this.state.capSource ?? { source, at: null, actor: null, reason: null }) };
    this.state.capChanges = [...(this.state.capChanges ?? []), change].slice(-CAP_CHANGES_KEPT);
    return true;
  }

  /**
   * Meta refused a holder's add at the cap: its slot is taken back and it waits at the head of the queue (its next
   * request is answered with its place), behind the holders Meta refused before that got their slot before it, so
   * that several refused at once keep the order they were let through in; the cap is lowered to the numbers Meta
   * holds registered. `keepsOrder` is asked only when that order puts it behind another: runs from before put each
   * refused journey first.
   */
  capRefused(
    { e164, runId, registered, at }: CapRefusal,
    keepsOrder: () => boolean = () => true,
    learns: () => boolean = () => true,
    keepsMetaCap: () => boolean = () => true,
  ): void {
    const { state } = this;
    const holder = state.holders.find((h) => h.e164 === e164 && h.runId === runId);
    let place = 0;
    if (holder?.workflowId && holder.runId && holder.wabaId !== null) {
      state.holders = state.holders.filter((h) => h !== holder);
      const { workflowId, wabaId, since: heldSince, admission, firstRunId } = holder;
      // Holders let through in one workflow task share their time; their admission numbers tell them apart.
      const heldLater = (q: QueuedJourney) =>
        q.admission !== undefined && admission !== undefined
          ? q.admission > admission
          : (q.heldSince ?? '') > heldSince;
      place = state.queue.findIndex((q) => q.heldSince === undefined || heldLater(q));
      if (place < 0) place = state.queue.length;
      if (place > 0 && !keepsOrder()) place = 0;
      state.queue.splice(place, 0, {
        ...this.entry({ e164, workflowId, runId, wabaId, firstRunId }),
        heldSince,
        admission,
      });
    }
    const where =
      place === 0
        ? 'at the head of the queue'
        : `at the head of the queue, behind the ${place} refused there that got their slot before it`;
    this.note(
      `Meta refused to add ${e164} (200000) with ${plural(registered, 'number')} registered: it waits ${where}`,
    );
    this.lowerCapAtRefusal(e164, registered, at, keepsMetaCap);
    // Meta counts numbers the portfolio holds no slot for (registered outside numberflow): letting the head through
    // again would only be refused again. Asked only then: runs from before let it through at once.
    const held = state.holders.length;
    if (held < registered && state.queue.length > 0 && learns()) {
      state.learning = true;
      state.learningRound = (state.learningRound ?? 0) + 1;
      state.reconcileRequested = true;
      this.note(
        `Meta counts ${plural(registered, 'registered number')} and the portfolio holds ${plural(held, 'slot')}: ` +
          'nobody is let through until it has read the numbers Meta counts (registered outside numberflow)',
      );
    }
  }

  /**
   * Whether Meta sent a cap dated `at` before the one it gave last: as a late delivery, or less than the two clocks'
   * allowance before — both dates are Meta's own (an undated delivery orders nothing), so that allowance does not
   * apply, and one sent a second before is as late. Another cap dated the same second is not before it: the later
   * delivered stands.
   */
  private sentBeforeMetaCap(cap: number, at: string | undefined): 'late' | 'within the clocks' | null {
    const { metaCap, metaCapAt } = this.state;
    if (at === undefined || metaCapAt === undefined || metaCap === cap) return null;
    if (sentLateBefore(at, Date.parse(metaCapAt))) return 'late';
    const early = Date.parse(metaCapAt) - Date.parse(at);
    return early > 0 && early <= CLOCKS_APART_MS ? 'within the clocks' : null;
  }

  /**
   * Meta refused to add `e164` holding `registered` numbers: its cap is that, when below the portfolio's — unless the
   * journey had the refusal (`at`) before the portfolio took a higher cap from Meta's webhook, which is the newer word
   * (taken after such a cap, it lowered it back, and the queue waited with room at Meta). Both times are Temporal's.
   * `keepsMetaCap` is asked only then: runs from before lowered it.
   */
  private lowerCapAtRefusal(
    e164: string,
    registered: number,
    at: string | undefined,
    keepsMetaCap: () => boolean,
  ): void {
    const { metaCap, metaCapTakenAt } = this.state;
    const refusedAt = Date.parse(at ?? '');
    const beforeMetaCap = metaCap !== undefined && registered < metaCap && metaCapTakenAt !== undefined;
    if (beforeMetaCap && refusedAt < metaCapTakenAt && keepsMetaCap()) {
      this.note(
        `Meta's refusal of ${e164} at ${registered} came before its cap of ${metaCap} (taken at ${new Date(metaCapTakenAt).toISOString()}): the cap stays ${this.state.cap}`,
      );
      return;
    }
    if (Number.isInteger(registered) && registered >= 1 && registered < this.state.cap) {
      this.setCap(registered, { source: 'meta_refusal', reason: `Meta refused to add ${e164} at ${registered}` });
    }
  }

  /** Lets queued journeys through while there is room; their grants are owed. */
  admitFromQueue(): void {
    const { state } = this;
    if (state.learning) return;
    while (state.holders.length < state.cap) {
      const next = state.queue.shift();
      if (!next) return;
      this.hold(next);
      this.owe(next.workflowId, this.answer(true, null));
    }
  }

  /** A grant could not be delivered: the journey is gone, so is its claim. */
  undeliverable(workflowId: string, answer: SlotAnswer): void {
    const { state } = this;
    const holder = state.holders.find((h) => h.workflowId === workflowId);
    if (answer.granted && holder) {
      state.holders = state.holders.filter((h) => h !== holder);
      this.note(`${holder.e164}'s journey is gone; its slot is free again`);
    }
    state.queue = state.queue.filter((q) => q.workflowId !== workflowId);
  }

  /**
   * What the reconciliation found, applied only to holders unchanged since they were checked (and, given
   * `queueChecked`, to queued journeys unchanged since). `learningRound`: the
   * refusal admissions waited for when it began (one begun before the latest refusal read Meta too early to end it).
   */
  applyReconciliation(
    report: ReconcileReport,
    checked: Map<string, string | null>,
    learningRound: number | undefined = this.state.learningRound,
    queueChecked?: QueueChecked,
  ): void {
    const { state } = this;
    const unchanged = (e164: string) => {
      const holder = state.holders.find((h) => h.e164 === e164);
      return holder && checked.has(e164) && checked.get(e164) === holder.runId ? holder : null;
    };
    let freed = 0;
    for (const e164 of report.free) {
      const holder = unchanged(e164);
      if (!holder) continue;
      freed += 1;
      state.holders = state.holders.filter((h) => h !== holder);
      this.note(`freed the slot of ${e164}: no running journey holds it and Meta does not count it as registered`);
    }
    for (const e164 of report.registeredWithoutJourney) {
      const holder = unchanged(e164);
      if (!holder || holder.workflowId === null) continue;
      detach(holder);
      this.note(`${e164} has no running journey but Meta counts it as registered: its slot stays taken`);
    }
    for (const { e164, workflowId, runId, wabaId } of report.journeysFound ?? []) {
      const holder = unchanged(e164);
      // A run that released meanwhile (its journey ended while it was looked at) takes no slot.
      if (!holder || holder.workflowId !== null || this.releasedRun(runId)) continue;
      Object.assign(holder, { workflowId, runId, wabaId: holder.wabaId ?? wabaId });
      delete holder.firstRunId; // the running journey's own is not known here
      this.note(`${e164}'s running journey holds its slot (it was counted as registered without one)`);
    }
    for (const e164 of report.goneFromQueue) {
      // Another journey of the number that queued while the check ran keeps its place (dropped before the patch).
      const entry = state.queue.find((q) => q.e164 === e164);
      if (!entry) continue;
      if (queueChecked && entry.runId !== queueChecked.runs.get(e164) && queueChecked.keepsRequeued()) continue;
      state.queue = state.queue.filter((q) => q.e164 !== e164);
      this.note(`dropped ${e164} from the queue: its journey is no longer running`);
    }
    let counted = 0;
    for (const { e164, wabaId } of report.countedWithoutSlot ?? []) {
      // A journey of it got a slot, or a place in the queue, meanwhile.
      if (state.holders.some((h) => h.e164 === e164) || state.queue.some((q) => q.e164 === e164)) continue;
      state.holders.push({ e164, workflowId: null, runId: null, wabaId, since: new Date().toISOString() });
      counted += 1;
      this.note(
        `Meta counts ${e164} (WABA ${wabaId}) as registered and no slot held it (registered outside numberflow): it holds one now, without a journey`,
      );
    }
    if (learningRound === state.learningRound) this.learnt('read the numbers Meta counts');
    const before = state.unreconciled?.wabas ?? [];
    for (const { wabaId, why } of report.unread ?? []) {
      if (!before.includes(wabaId))
        this.note(
          `could not read the numbers of WABA ${wabaId} (${why}): its holders stay as they are until it can be`,
        );
    }
    state.unreconciled = { wabas: (report.unread ?? []).map((u) => u.wabaId), failed: false };
    this.reconciled(
      [
        `${plural(checked.size, 'holder')} checked`,
        `${freed} freed`,
        `${counted} counted from Meta`,
        `${report.goneFromQueue.length} dropped from the queue`,
        ...(report.unchecked?.length ? [`${report.unchecked.length} of unknown WABA not checked`] : []),
        ...(report.unread?.length ? [`${plural(report.unread.length, 'WABA')} unread`] : []),
      ].join(', '),
    );
  }

  /** The numbers Meta counts were read (or nothing waits for them): admissions go on, `why` noted. */
  private learnt(why: string): void {
    if (!this.state.learning) return;
    this.state.learning = false;
    this.note(
      `${why}: ${plural(this.state.holders.length, 'slot')} held of the cap of ${this.state.cap}; admissions go on`,
    );
  }

  private reconciled(found: string, failed = false): void {
    const asks = this.answering;
    this.answering = [];
    this.state.lastReconciliation = {
      at: new Date().toISOString(),
      found,
      ...(failed ? { failed } : {}),
      ...(asks.length > 0 ? { asks } : {}),
    };
  }

  /**
   * An admin's request for a reconciliation now (the API's, the command line's): noted with who and why. One sent by
   * hand carries neither, or anything (a signal's input is not checked): only a named actor and reason are noted.
   */
  reconcileAskedBy(request: ReconcileRequest | undefined): void {
    const actor: unknown = request?.actor;
    const reason: unknown = request?.reason;
    const id: unknown = request?.id;
    if (typeof id === 'string' && id !== '' && id.length <= ASK_ID_MAX) {
      const asks = (this.state.reconcileAsks ??= []);
      asks.push(id);
      if (asks.length > ASKS_KEPT) asks.splice(0, asks.length - ASKS_KEPT);
    }
    // Who asked and why, as `portfolio reconcile` checks them; anything else (sent by hand) is not noted.
    if (!oneLine(actor, 200) || !oneLine(reason, 500)) return;
    this.note(`${actor.trim()} asked for a reconciliation now: ${reason.trim()}`);
  }

  /** A reconciliation begins: it answers the asks made before it (named in lastReconciliation once it ends). */
  beginReconciliation(): void {
    this.answering = this.state.reconcileAsks ?? [];
    if (this.state.reconcileAsks) this.state.reconcileAsks = [];
  }

  /** The next run continues on another task queue (moveToTaskQueue): noted, as the run's history ends here. */
  moving(from: string, to: string): void {
    this.note(`moved from the task queue ${from} to ${to}`);
  }

  get hasRoomForQueue(): boolean {
    return !this.state.learning && this.state.holders.length < this.state.cap && this.state.queue.length > 0;
  }

  private hold(request: Pick<SlotRequest, 'e164' | 'workflowId' | 'runId' | 'wabaId' | 'firstRunId'>): void {
    this.state.admissions += 1;
    this.state.holders.push({ ...this.entry(request), admission: this.state.admissions });
  }

  private entry(
    request: Pick<SlotRequest, 'e164' | 'workflowId' | 'runId' | 'wabaId' | 'firstRunId' | 'startedAt'>,
  ): QueuedJourney {
    const { e164, workflowId, runId, wabaId, firstRunId } = request;
    // One form, so that the times compare as text; one sent by hand that is no time is left out, as if not sent.
    const startedAt = isIsoTime(request.startedAt) ? new Date(request.startedAt).toISOString() : undefined;
    return {
      e164,
      workflowId,
      runId,
      ...(firstRunId ? { firstRunId } : {}),
      wabaId,
      since: new Date().toISOString(),
      ...(startedAt ? { startedAt } : {}),
    };
  }

  private answer(granted: boolean, position: number | null): SlotAnswer {
    return { granted, position, cap: this.state.cap, held: this.state.holders.length };
  }

  /** No holder nor queue: nothing was left unreconciled (a later failure is noted anew). */
  nothingToReconcile(): void {
    if (this.state.unreconciled) this.state.unreconciled = { wabas: [], failed: false };
    this.learnt('nobody waits any more'); // nothing is held back
    this.reconciled('no holder and no queue: nothing to check');
  }

  /** Nothing is freed on a guess: the holders and queue stay as they are until a reconciliation can ask. */
  reconciliationFailed(why: string): void {
    const { unreconciled } = this.state;
    if (!unreconciled?.failed) {
      this.note(`could not reconcile the holders (${why}): every slot stays as it is until a reconciliation can`);
    }
    this.state.unreconciled = { wabas: unreconciled?.wabas ?? [], failed: true };
    // Admissions go on as before: a portfolio must not stay shut on a reconciliation that cannot run.
    if (this.state.learning) this.state.learning = false;
    this.reconciled(`failed: ${why}`, true);
  }

  /** A signal it could not read, dropped (sent by hand): said in the notes, which admins read. */
  ignored(signal: string, problem: string): void {
    this.note(`signal ${signal} ignored: ${problem}`);
  }

  private note(what: string): void {
    this.state.notes.push({ at: new Date().toISOString(), what });
    if (this.state.notes.length > NOTES_KEPT) this.state.notes.splice(0, this.state.notes.length - NOTES_KEPT);
  }
}

/** Text of one line, not blank, within `max` characters. */
function oneLine(value: unknown, max: number): value is string {
  return (
    typeof value === 'string' && value.trim() !== '' && value.length <= max && !CONTROL_CHARACTER.test(value.trim())
  );
}

/** The slot stays, held by no journey (Meta counts the number). */
function detach(holder: SlotHolder): void {
  Object.assign(holder, { workflowId: null, runId: null });
  delete holder.firstRunId;
}
