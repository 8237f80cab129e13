// One run's history as timeline entries, in history order (a call never answered stands where it was made): the
// start, stage changes (the NumberStage search attribute), Graph calls with Meta's answers, people's updates and
// signals, webhooks, durable waits, the portfolio's answers and the ending. Every value comes through an allow-list
// (payloads.ts, actions.ts, graph-calls.ts): what the journey sent or stored beyond it (codes, PINs, carried state)
// is never read into an entry.
import type { LoadedDataConverter } from '@temporalio/common';
import { journeyOutcomes, journeyStages, type StageOrOutcome } from '../domain/stages.js';
import { channelOf } from '../temporal/client-identity.js';
import { searchAttribute, type HistoryEvent, type PayloadReader } from './decode.js';
import { allowed, journeyStartFields } from './payloads.js';
import { asJourneyEnding, endingEntry, resetEntry, resetPoint, startWhat } from './run-ends.js';
import { CallsAndWaits } from './timeline-calls.js';
import { Messages } from './timeline-messages.js';
import type { TimelineEntry } from './types.js';
import { At, type NoteTarget, type Walk } from './walk.js';
import { WorkflowTime } from './workflow-time.js';

const stageNames: readonly string[] = [...journeyStages, ...journeyOutcomes];
const isStage = (value: unknown): value is StageOrOutcome => typeof value === 'string' && stageNames.includes(value);

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

export async function runTimeline(events: HistoryEvent[], context: RunContext): Promise<RunTimeline> {
  const walk: Walk = {
    ...context,
    time: new WorkflowTime(events),
    signupAtMs: null,
    failedCall: null,
    cancel: {},
    entries: [],
    noteTargets: [],
  };
  const calls = new CallsAndWaits(walk);
  const messages = new Messages(walk);
  const reset = resetPoint(events);
  let copied: Map<TimelineEntry, string> | null = null; // the entries of the events the reset copied, as they were
  for (const [index, event] of events.entries()) {
    const at = new At(walk, event, index);
    if (index === reset) {
      copied = new Map(walk.entries.map((entry) => [entry, JSON.stringify(entry)]));
      at.add(resetEntry(event));
      continue;
    }
    if (await startOrStage(walk, at)) continue;
    if (await calls.take(at)) continue;
    if (await messages.take(at)) continue;
    const ending = await endingEntry(event, walk.reader, at.where, walk.cancel);
    if (ending) at.add(asJourneyEnding(ending));
  }
  calls.addUnanswered(context.open);
  if (copied) afterReset(walk, copied);
  return { entries: walk.entries, noteTargets: walk.noteTargets, lastStage: walk.stage };
}

async function startOrStage(walk: Walk, at: At): Promise<boolean> {
  const started = at.event.workflowExecutionStartedEventAttributes;
  if (started) {
    const initial = searchAttribute(walk.converter, started.searchAttributes?.indexedFields, 'NumberStage');
    if (isStage(initial)) walk.stage = initial;
    walk.stagesShown = isStage(initial);
    const input = allowed(journeyStartFields, await walk.reader.first(started.input?.payloads, at.where));
    if (input && input.signupWindow !== false) walk.signupAtMs = Date.parse(input.signupAt);
    if (started.continuedExecutionRunId) {
      at.add({
        kind: 'started',
        what: `continued as new from run ${started.continuedExecutionRunId}, carrying its state`,
      });
    } else {
      const via = channelOf(started.identity);
      at.add({
        kind: 'started',
        ...(input ? { actor: input.requestedBy } : {}),
        what: input ? startWhat(input) : 'started a journey (its input could not be read)',
        ...(via ? { via } : {}),
      });
    }
    return true;
  }
  const upsert = at.event.upsertWorkflowSearchAttributesEventAttributes;
  if (!upsert) return false;
  const next = searchAttribute(walk.converter, upsert.searchAttributes?.indexedFields, 'NumberStage');
  if (isStage(next)) at.enterStage(next);
  return true;
}

/**
 * A run a reset made: the events before the reset are copies of the run reset from, whose timeline has them. Kept
 * here only what this run went on with: a call, a wait or an update under way at the reset and answered after it.
 */
function afterReset(walk: Walk, copied: Map<TimelineEntry, string>): void {
  const underWay = (entry: TimelineEntry) => {
    const before = copied.get(entry);
    return before === undefined || before !== JSON.stringify(entry);
  };
  walk.entries = walk.entries.filter(underWay);
  for (const entry of walk.entries) if (copied.has(entry)) entry.what = `${entry.what} (under way at the reset)`;
  walk.noteTargets = walk.noteTargets.filter((target) => !copied.has(target.entry) || underWay(target.entry));
}
