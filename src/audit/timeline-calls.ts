// Activities and timers in a run: Graph calls with their attempt and Meta's answer (an entry once the call closed,
// where the answer is), the identity store's steps and the earlier journey's PIN looked up (an entry once done), the portfolio's slot request, the generated
// PIN (never its value: drawn by the verify call or a local activity), and durable waits with their deadline and why.
import { NO_SIGNUP_WINDOW_MS } from '../domain/journey.js';
import { slotAnswerSignal } from '../domain/portfolio.js';
import { describeMessage } from './actions.js';
import { answeredSummary, failedOutcome, graphCallOf, metaAnswerOf } from './graph-calls.js';
import { isoOf, LOCAL_ACTIVITY_MARKER, type ProtoFailure } from './decode.js';
import { protoTimeMs } from '../temporal/proto-time.js';
import { identityStepOf } from './identity-steps.js';
import { allowed, drawnPinField, localActivityFields } from './payloads.js';
import type { TimelineEntry } from './types.js';
import type { At, Walk } from './walk.js';
import { waitReason, type WaitContext } from './waits.js';

const slotAsked = { kind: 'portfolio', what: 'asked the portfolio for a registration slot' } as const;
/** The PIN numberflow drew: by the verify call that answered it, or by a local activity of its own. */
const pinGenerated = { kind: 'step', what: 'generated a two-step PIN (never shown)' } as const;

/** Meta held another PIN (133005): the one an earlier journey of the number set is looked up, its value never read. */
const rememberedPinLookup =
  'looked for the two-step PIN an earlier journey of the number in its portfolio set (never shown)';

/** Whether a PIN was found, read from the answer's shape alone; an answer that could not be read says so. */
function pinLookupOutcome(result: unknown): string {
  if (typeof result !== 'object' || result === null) return 'answered (the answer could not be read)';
  return (result as { pin?: unknown }).pin != null ? 'found one: the register is tried with it' : 'none found';
}

export class CallsAndWaits {
  /**
   * Graph calls and store steps scheduled and not yet closed, by their scheduled event id, each with the count of
   * entries there were when it was made (where an unanswered one goes).
   */
  private readonly calls = new Map<
    string,
    { entry: TimelineEntry; type: string; made: number; lastFailure?: ProtoFailure | null }
  >();
  private readonly waits = new Map<string, TimelineEntry>();

  /** `reasonOf` says why a timer was started (the journey's reasons unless the workflow is another). */
  constructor(
    private readonly walk: Walk,
    private readonly reasonOf: (wait: WaitContext) => string = waitReason,
  ) {}

  /** Takes the event if it is an activity's, a local activity's or a timer's. */
  async take(at: At): Promise<boolean> {
    const { event } = at;
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const type = scheduled.activityType?.name ?? '';
      const graph = graphCallOf(type);
      this.walk.failedCall = null;
      if (graph) {
        const args = graph.readsArgs ? await this.walk.reader.values(scheduled.input?.payloads, at.where) : [];
        const entry = at.entry({ kind: 'graph_call', what: graph.what(args), endpoint: graph.endpoint, attempt: 1 });
        this.calls.set(String(event.eventId), { entry, type, made: this.walk.entries.length });
      } else if (identityStepOf(type)) {
        const entry = at.entry({ kind: 'step', what: identityStepOf(type) ?? type });
        this.calls.set(String(event.eventId), { entry, type, made: this.walk.entries.length });
      } else if (type === 'rememberedPin') {
        const entry = at.entry({ kind: 'step', what: rememberedPinLookup });
        this.calls.set(String(event.eventId), { entry, type, made: this.walk.entries.length });
      } else if (type === 'requestSlot') {
        at.add(slotAsked);
      } else if (type === 'cancelRun') {
        at.add({ kind: 'step', what: 'asked Temporal to close the run as Canceled, with the reason' });
      }
      return true;
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const call = this.calls.get(String(started.scheduledEventId));
      if (call) {
        call.entry.attempt = started.attempt ?? 1;
        // Temporal keeps the failure of the attempt before the last only: what Meta answered then is said.
        call.lastFailure = started.lastFailure;
      }
      return true;
    }
    const closed =
      event.activityTaskCompletedEventAttributes ??
      event.activityTaskFailedEventAttributes ??
      event.activityTaskTimedOutEventAttributes ??
      event.activityTaskCanceledEventAttributes;
    if (closed) {
      await this.closed(at, String(closed.scheduledEventId));
      return true;
    }
    const marker = event.markerRecordedEventAttributes;
    if (marker) {
      if (marker.markerName !== LOCAL_ACTIVITY_MARKER) return true;
      const data = allowed(localActivityFields, await this.walk.reader.first(marker.details?.data?.payloads, at.where));
      const type = data?.activity_type ?? '';
      if (type === 'generatePin') at.add(pinGenerated);
      else if (type === 'askForSlot') await this.slotAskedByUpdate(at);
      else await this.localGraphCall(at, type, data?.attempt ?? 1);
      return true;
    }
    return this.timer(at);
  }

  /** The slot asked for by update (journeys from the fewer-events patch on): the portfolio's answer is in the marker. */
  private async slotAskedByUpdate(at: At): Promise<void> {
    at.add(slotAsked);
    const marker = at.event.markerRecordedEventAttributes;
    if (marker?.failure) return;
    const answer = await this.walk.reader.first(marker?.details?.result?.payloads, at.where);
    // null: the portfolio could not take the update, so the request went by signal and so does the answer.
    if (answer === null || answer === undefined) return;
    if (typeof answer === 'object' && 'ownerUnread' in answer) {
      // The request goes on by the requestSlot activity, whose own entry follows.
      at.add({ kind: 'portfolio', actor: 'numberflow', what: "could not read the WABA's owner at Meta in the task" });
      return;
    }
    at.add(describeMessage(slotAnswerSignal.name, answer, 'signal'));
  }

  /**
   * A Graph call made as a local activity (the add, in journeys from the local-calls patch on; the verify, from the
   * verify-in-the-task patch on): one marker holds the call and its answer or failure, so the entry is made whole at
   * once. Its arguments are not read (none it has are shown).
   */
  private async localGraphCall(at: At, type: string, attempt: number): Promise<void> {
    const graph = graphCallOf(type);
    const marker = at.event.markerRecordedEventAttributes;
    if (!graph || !marker) return;
    if (graph.inStage && this.walk.stagesShown) at.enterStage(graph.inStage); // a brief stage: no upsert said so
    const entry = at.entry({ kind: 'graph_call', what: graph.what([]), endpoint: graph.endpoint, attempt });
    let drewPin = false;
    if (marker.failure) {
      const meta = metaAnswerOf(await this.walk.reader.failureDetail(marker.failure, at.where));
      entry.outcome = failedOutcome(marker.failure, meta);
      if (meta) entry.meta = meta;
      this.walk.failedCall = { meta };
    } else {
      this.walk.failedCall = null;
      const result = await this.walk.reader.first(marker.details?.result?.payloads, at.where);
      entry.outcome = answeredSummary(graph, result);
      drewPin = type === 'verifyCode' && allowed(drawnPinField, result) !== undefined;
    }
    this.walk.entries.push(entry);
    if (drewPin) at.add(pinGenerated);
  }

  /**
   * Adds the calls that never closed (still under way in an open run, unanswered in a closed one) where history
   * recorded them, so that a call the run's ending left unanswered precedes the ending (even within one millisecond).
   */
  addUnanswered(open: boolean): void {
    const outcome = open ? 'no answer yet' : 'no answer: the run ended first';
    // The latest made first, so that the indexes of the others hold; of two made together, the later one first.
    const unanswered = [...this.calls.values()].reverse().sort((a, b) => b.made - a.made);
    for (const { entry, made } of unanswered) this.walk.entries.splice(made, 0, { ...entry, outcome });
    // A wait the run did not outlive (terminated, failed) read as still under way.
    if (!open) for (const wait of this.waits.values()) wait.outcome = 'this run closed before the deadline';
  }

  private async closed(at: At, scheduledId: string): Promise<void> {
    const call = this.calls.get(scheduledId);
    this.calls.delete(scheduledId);
    if (!call) return;
    const graph = graphCallOf(call.type);
    const { event } = at;
    const entry = { ...call.entry, at: at.iso };
    let drewPin = false;
    const failure =
      event.activityTaskFailedEventAttributes?.failure ?? event.activityTaskTimedOutEventAttributes?.failure;
    if (event.activityTaskCompletedEventAttributes) {
      // A store step answers nothing: done is all there is to say.
      if (call.type === 'rememberedPin') {
        const result = await this.walk.reader.first(
          event.activityTaskCompletedEventAttributes.result?.payloads,
          at.where,
        );
        entry.outcome = pinLookupOutcome(result);
      } else if (graph) {
        const result = await this.walk.reader.first(
          event.activityTaskCompletedEventAttributes.result?.payloads,
          at.where,
        );
        entry.outcome = answeredSummary(graph, result);
        drewPin = call.type === 'verifyCode' && allowed(drawnPinField, result) !== undefined;
      }
    } else if (failure) {
      const detail = event.activityTaskFailedEventAttributes
        ? await this.walk.reader.failureDetail(failure, at.where)
        : undefined;
      const meta = metaAnswerOf(detail);
      entry.outcome = failedOutcome(failure, meta, detail);
      if (meta) entry.meta = meta;
      this.walk.failedCall = { meta };
    } else {
      entry.outcome = 'cancelled: the journey stopped waiting for it';
    }
    if (graph && call.lastFailure && entry.attempt !== undefined && entry.attempt > 1) {
      entry.outcome = `${entry.outcome ?? 'answered'}; ${await this.attemptBefore(at, entry.attempt, call.lastFailure)}`;
    }
    this.walk.entries.push(entry);
    if (drewPin) at.add(pinGenerated);
  }

  /** The attempt before a retried call's last, as Meta answered it: its code and fbtrace_id, or why none came. */
  private async attemptBefore(at: At, attempt: number, failure: ProtoFailure): Promise<string> {
    const meta = metaAnswerOf(await this.walk.reader.failureDetail(failure, at.where));
    const trace = meta?.fbtraceId ? ` (fbtrace_id ${meta.fbtraceId})` : '';
    return `attempt ${attempt - 1} ${failedOutcome(failure, meta)}${trace}`;
  }

  private timer(at: At): boolean {
    const { event } = at;
    const timer = event.timerStartedEventAttributes;
    if (timer) {
      const durationMs = protoTimeMs(timer.startToFireTimeout);
      if (durationMs === NO_SIGNUP_WINDOW_MS) return true; // the race to register of a journey without a window: no wait
      // The workflow computed the duration at its task's start: from there, the deadline is exact.
      const untilMs = (this.walk.time.commandedAt(timer.workflowTaskCompletedEventId) ?? at.ms) + durationMs;
      const { stage, signupAtMs, failedCall } = this.walk;
      const what = this.reasonOf({ stage, durationMs, untilMs, signupAtMs, failedCall });
      this.walk.failedCall = null;
      this.waits.set(timer.timerId ?? '', at.add({ kind: 'wait', what, until: isoOf(untilMs) }));
      return true;
    }
    const ended = event.timerFiredEventAttributes ?? event.timerCanceledEventAttributes;
    if (!ended) return false;
    const wait = this.waits.get(ended.timerId ?? '');
    this.waits.delete(ended.timerId ?? '');
    if (wait)
      wait.outcome = event.timerFiredEventAttributes ? 'waited until the deadline' : 'ended before the deadline';
    return true;
  }
}
