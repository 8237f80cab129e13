// One run's history as timeline entries, in history order: the start, stage changes (the NumberStage search
// attribute), Graph calls with Meta's answers, people's updates and signals, webhooks, durable waits, the
// portfolio's answers and the ending. Every value comes through an allow-list (payloads.ts, actions.ts,
// graph-calls.ts): what the journey sent or stored beyond it (codes, PINs, carried state) is never read into an entry.
import type { LoadedDataConverter } from '@temporalio/common';
import { journeyOutcomes, journeyStages, type StageOrOutcome } from '../domain/stages.js';
import { describeMessage, knownMessage } from './actions.js';
import { isoOf, type PayloadReader, protoTimeMs, searchAttribute, type HistoryEvent } from './decode.js';
import { answeredSummary, failedOutcome, graphCallOf, metaAnswerOf } from './graph-calls.js';
import { allowed, journeyStartFields, localActivityFields, outcomeFields, slotReleaseFields } from './payloads.js';
import { endingEntry, startWhat } from './run-ends.js';
import type { MetaAnswer, TimelineEntry } from './types.js';
import { waitReason } from './waits.js';
import { WorkflowTime } from './workflow-time.js';

const stageNames: readonly string[] = [...journeyStages, ...journeyOutcomes];
const isStage = (value: unknown): value is StageOrOutcome => typeof value === 'string' && stageNames.includes(value);

/** A signal's entry and the workflow time its handler ran at: the journey's notes of that moment belong to it. */
export interface NoteTarget {
  entry: TimelineEntry;
  actor: string;
  handledAt: string;
}

export interface RunTimeline {
  entries: TimelineEntry[];
  noteTargets: NoteTarget[];
  lastStage: StageOrOutcome;
}

export interface RunContext {
  runId: string;
  converter: LoadedDataConverter;
  reader: PayloadReader;
  /** The stage the run starts in when its start does not say (the previous run's last one). */
  stage: StageOrOutcome;
  /** Whether the run is still open (a call without an answer is then still under way). */
  open: boolean;
}

interface PendingCall {
  entry: TimelineEntry;
  type: string;
}

export async function runTimeline(events: HistoryEvent[], context: RunContext): Promise<RunTimeline> {
  const { runId, reader, converter } = context;
  const entries: TimelineEntry[] = [];
  const noteTargets: NoteTarget[] = [];
  const time = new WorkflowTime(events);
  const calls = new Map<string, PendingCall>();
  const timers = new Map<string, TimelineEntry>();
  const updates = new Map<string, TimelineEntry>();
  let stage = context.stage;
  let signupAtMs: number | null = null;
  let failedCall: { meta: MetaAnswer | undefined } | null = null;
  let cancel: { actor?: string; cause?: string } = {};

  for (const [index, event] of events.entries()) {
    const atMs = protoTimeMs(event.eventTime);
    const base = { at: isoOf(atMs), runId, stage };
    const where = `event ${String(event.eventId)} of run ${runId}`;
    const add = (entry: Omit<TimelineEntry, 'runId' | 'at' | 'stage'> & Partial<TimelineEntry>) => {
      const full = { ...base, ...entry } as TimelineEntry;
      entries.push(full);
      return full;
    };

    const started = event.workflowExecutionStartedEventAttributes;
    if (started) {
      const initial = searchAttribute(converter, started.searchAttributes?.indexedFields, 'NumberStage');
      if (isStage(initial)) base.stage = stage = initial;
      const input = allowed(journeyStartFields, await reader.first(started.input?.payloads, where));
      if (input) signupAtMs = Date.parse(input.signupAt);
      if (started.continuedExecutionRunId) {
        add({
          kind: 'started',
          what: `continued as new from run ${started.continuedExecutionRunId}, carrying its state`,
        });
      } else {
        add({
          kind: 'started',
          ...(input ? { actor: input.requestedBy } : {}),
          what: input ? startWhat(input) : 'started a journey (its input could not be read)',
        });
      }
      continue;
    }

    const upsert = event.upsertWorkflowSearchAttributesEventAttributes;
    if (upsert) {
      const next = searchAttribute(converter, upsert.searchAttributes?.indexedFields, 'NumberStage');
      if (isStage(next) && next !== stage) {
        stage = next;
        failedCall = null;
        add({ kind: 'stage', stage, what: `entered ${stage}` });
      }
      continue;
    }

    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const type = scheduled.activityType?.name ?? '';
      const graph = graphCallOf(type);
      failedCall = null;
      if (graph) {
        const args = graph.readsArgs ? await reader.values(scheduled.input?.payloads, where) : [];
        const entry = { ...base, kind: 'graph_call', what: graph.what(args), endpoint: graph.endpoint } as const;
        calls.set(String(event.eventId), { entry: { ...entry, attempt: 1 }, type });
      } else if (type === 'requestSlot') {
        add({ kind: 'portfolio', what: 'asked the portfolio for a registration slot' });
      } else if (type === 'cancelRun') {
        add({ kind: 'step', what: 'asked Temporal to close the run as Canceled, with the reason' });
      }
      continue;
    }

    const activityStarted = event.activityTaskStartedEventAttributes;
    if (activityStarted) {
      const call = calls.get(String(activityStarted.scheduledEventId));
      if (call) call.entry.attempt = activityStarted.attempt ?? 1;
      continue;
    }

    const closed =
      event.activityTaskCompletedEventAttributes ??
      event.activityTaskFailedEventAttributes ??
      event.activityTaskTimedOutEventAttributes ??
      event.activityTaskCanceledEventAttributes;
    if (closed) {
      const key = String(closed.scheduledEventId);
      const call = calls.get(key);
      const graph = call && graphCallOf(call.type);
      calls.delete(key);
      if (!call || !graph) continue;
      const entry = { ...call.entry, at: base.at };
      if (event.activityTaskCompletedEventAttributes) {
        const result = await reader.first(event.activityTaskCompletedEventAttributes.result?.payloads, where);
        entry.outcome = answeredSummary(graph, result);
      } else if (event.activityTaskFailedEventAttributes) {
        const failure = event.activityTaskFailedEventAttributes.failure;
        const meta = metaAnswerOf(await reader.failureDetail(failure, where));
        entry.outcome = failedOutcome(failure, meta);
        if (meta) entry.meta = meta;
        failedCall = { meta };
      } else if (event.activityTaskTimedOutEventAttributes) {
        entry.outcome = failedOutcome(event.activityTaskTimedOutEventAttributes.failure, undefined);
        failedCall = { meta: undefined };
      } else {
        entry.outcome = 'cancelled: the journey stopped waiting for it';
      }
      entries.push(entry);
      continue;
    }

    const marker = event.markerRecordedEventAttributes;
    if (marker) {
      if (marker.markerName !== 'core_local_activity') continue;
      const data = allowed(localActivityFields, await reader.first(marker.details?.data?.payloads, where));
      if (data?.activity_type === 'generatePin') add({ kind: 'step', what: 'generated a two-step PIN (never shown)' });
      continue;
    }

    const timer = event.timerStartedEventAttributes;
    if (timer) {
      const durationMs = protoTimeMs(timer.startToFireTimeout);
      const untilMs = (time.commandedAt(timer.workflowTaskCompletedEventId) ?? atMs) + durationMs;
      const what = waitReason({ stage, durationMs, untilMs, signupAtMs, failedCall });
      failedCall = null;
      timers.set(timer.timerId ?? '', add({ kind: 'wait', what, until: isoOf(untilMs) }));
      continue;
    }
    const fired = event.timerFiredEventAttributes ?? event.timerCanceledEventAttributes;
    if (fired) {
      const wait = timers.get(fired.timerId ?? '');
      if (wait)
        wait.outcome = event.timerFiredEventAttributes ? 'waited until the deadline' : 'ended before the deadline';
      continue;
    }

    const accepted = event.workflowExecutionUpdateAcceptedEventAttributes;
    if (accepted) {
      const name = accepted.acceptedRequest?.input?.name ?? '';
      const arg = knownMessage(name)
        ? await reader.first(accepted.acceptedRequest?.input?.args?.payloads, where)
        : undefined;
      const described = describeMessage(name, arg, 'update');
      const entry = add(described);
      updates.set(accepted.acceptedRequest?.meta?.updateId ?? accepted.protocolInstanceId ?? '', entry);
      if (name === 'cancelJourney') cancel = { ...cancel, ...(described.actor ? { actor: described.actor } : {}) };
      continue;
    }
    const completed = event.workflowExecutionUpdateCompletedEventAttributes;
    if (completed) {
      const entry = updates.get(completed.meta?.updateId ?? '');
      if (!entry) continue;
      if (completed.outcome?.failure) {
        entry.outcome = `failed: ${completed.outcome.failure.message ?? 'unknown failure'}`;
        continue;
      }
      const outcome = allowed(outcomeFields, await reader.first(completed.outcome?.success?.payloads, where));
      if (!outcome) continue;
      entry.outcome = `${outcome.pending ? 'received' : outcome.accepted ? 'accepted' : 'refused'}: ${outcome.message}`;
      if (outcome.attemptsLeft !== null) entry.attemptsLeft = outcome.attemptsLeft;
      continue;
    }

    const signaled = event.workflowExecutionSignaledEventAttributes;
    if (signaled) {
      const name = signaled.signalName ?? '';
      const arg = knownMessage(name) ? await reader.first(signaled.input?.payloads, where) : undefined;
      const described = describeMessage(name, arg, 'signal');
      const entry = add(described);
      const at = time.seenAt(index);
      // People and Meta's webhooks are what the journey notes about; the portfolio's answers it does not.
      if (described.actor && (described.kind === 'action' || described.kind === 'webhook') && at !== null) {
        noteTargets.push({ entry, actor: described.actor, handledAt: isoOf(at) });
      }
      if (name === 'cancel' && described.actor) cancel = { ...cancel, actor: described.actor };
      continue;
    }

    const external = event.signalExternalWorkflowExecutionInitiatedEventAttributes;
    if (external) {
      if (external.signalName !== 'releaseSlot') continue;
      const release = allowed(slotReleaseFields, await reader.first(external.input?.payloads, where));
      add({
        kind: 'portfolio',
        what: release?.stillRegistered
          ? 'kept its portfolio slot: Meta still counts the number as registered'
          : 'gave its registration slot back to the portfolio',
      });
      continue;
    }

    const cancelRequested = event.workflowExecutionCancelRequestedEventAttributes;
    if (cancelRequested) {
      cancel = { ...cancel, ...(cancelRequested.cause ? { cause: cancelRequested.cause } : {}) };
      // The journey's own request (cancelRun, identity numberflow) is already its `step` entry.
      if (cancelRequested.identity === 'numberflow') continue;
      const entry = add({
        kind: 'action',
        actor: cancelRequested.identity || 'temporal',
        what: `cancelled the run through Temporal${cancelRequested.cause ? `: ${cancelRequested.cause}` : ''}`,
      });
      const at = time.seenAt(index);
      if (at !== null) noteTargets.push({ entry, actor: 'temporal', handledAt: isoOf(at) });
      continue;
    }

    const ending = await endingEntry(event, reader, where, cancel);
    if (ending) add(ending);
  }

  for (const { entry } of calls.values()) {
    entries.push({ ...entry, outcome: context.open ? 'no answer yet' : 'no answer: the run ended first' });
  }
  return { entries, noteTargets, lastStage: stage };
}
