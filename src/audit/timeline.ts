// One run's history as timeline entries, in history order (a call never answered stands where it was made): the
// start, stage changes (the NumberStage search attribute), Graph calls with Meta's answers, people's updates and
// signals, webhooks, durable waits, the portfolio's answers and the ending. Every value comes through an allow-list
// (payloads.ts, actions.ts, graph-calls.ts): what the journey sent or stored beyond it (codes, PINs, carried state)
// is never read into an entry.
import type { LoadedDataConverter } from '@temporalio/common';
import { journeyOutcomes, journeyStages, type StageOrOutcome } from '../domain/stages.js';
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
  for (const [index, event] of events.entries()) {
    const at = new At(walk, event, index);
    if (index === reset) {
      // What came before is the run it was reset from, read there: walked for its state, its entries not kept.
      walk.entries.length = 0;
      walk.noteTargets.length = 0;
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
  return { entries: walk.entries, noteTargets: walk.noteTargets, lastStage: walk.stage };
}

async function startOrStage(walk: Walk, at: At): Promise<boolean> {
  const started = at.event.workflowExecutionStartedEventAttributes;
  if (started) {
    const initial = searchAttribute(walk.converter, started.searchAttributes?.indexedFields, 'NumberStage');
    if (isStage(initial)) walk.stage = initial;
    walk.stagesShown = isStage(initial);
    const input = allowed(journeyStartFields, await walk.reader.first(started.input?.payloads, at.where));
    if (input) walk.signupAtMs = Date.parse(input.signupAt);
    if (started.continuedExecutionRunId) {
      at.add({
        kind: 'started',
        what: `continued as new from run ${started.continuedExecutionRunId}, carrying its state`,
      });
    } else {
      at.add({
        kind: 'started',
        ...(input ? { actor: input.requestedBy } : {}),
        what: input ? startWhat(input) : 'started a journey (its input could not be read)',
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
