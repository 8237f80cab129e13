// What reading one run's history carries from event to event: the stage the journey is in, what the run's start
// said, the call that just failed, who asked for a cancel — and the entries made so far. Each event gets an `At`: its
// time, where it is (for a gap's wording) and how to add an entry in the current stage.
import type { LoadedDataConverter } from '@temporalio/common';
import type { StageOrOutcome } from '../domain/stages.js';
import { isoOf, type HistoryEvent, type PayloadReader } from './decode.js';
import { protoTimeMs } from '../temporal/proto-time.js';
import type { MetaAnswer, TimelineEntry } from './types.js';
import type { WorkflowTime } from './workflow-time.js';

/** A signal's entry and the workflow time its handler ran at: the journey's notes of that moment belong to it. */
export interface NoteTarget {
  entry: TimelineEntry;
  actor: string;
  handledAt: string;
}

/** An entry as an event makes it: dated by the event and in the current stage unless it says otherwise. */
export type NewEntry = Omit<TimelineEntry, 'runId' | 'at' | 'stage'> & Partial<Pick<TimelineEntry, 'stage' | 'at'>>;

export interface Walk {
  runId: string;
  converter: LoadedDataConverter;
  reader: PayloadReader;
  time: WorkflowTime;
  stage: StageOrOutcome;
  /** Whether the run's start showed its stage (a search attribute): a run started without has no stage entries. */
  stagesShown?: boolean;
  /** When Embedded Signup finished, from the run's input (the 14-day window counts from it). */
  signupAtMs: number | null;
  /** The Graph call that failed last, until something else happens (a wait right after it is about it). */
  failedCall: { meta: MetaAnswer | undefined } | null;
  cancel: { actor?: string; cause?: string };
  entries: TimelineEntry[];
  noteTargets: NoteTarget[];
}

export class At {
  readonly ms: number;
  readonly where: string;

  constructor(
    private readonly walk: Walk,
    readonly event: HistoryEvent,
    readonly index: number,
  ) {
    this.ms = protoTimeMs(event.eventTime);
    this.where = `event ${String(event.eventId)} of run ${walk.runId}`;
  }

  get iso(): string {
    return isoOf(this.ms);
  }

  /** The entry as of this event, in the journey's current stage unless it says otherwise. */
  entry(entry: NewEntry): TimelineEntry {
    return { at: this.iso, runId: this.walk.runId, stage: this.walk.stage, ...entry };
  }

  /** The journey entered `stage` here (an upsert of NumberStage, or a brief stage's call): an entry if it is new. */
  enterStage(stage: StageOrOutcome): void {
    if (stage === this.walk.stage) return;
    this.walk.stage = stage;
    this.walk.failedCall = null;
    this.add({ kind: 'stage', what: `entered ${stage}` });
  }

  add(entry: NewEntry): TimelineEntry {
    const full = this.entry(entry);
    this.walk.entries.push(full);
    return full;
  }

  /** Joins the journey's notes of the moment its code saw this event to `entry`. */
  noted(entry: TimelineEntry, actor: string): void {
    const seen = this.walk.time.seenAt(this.index);
    if (seen !== null) this.walk.noteTargets.push({ entry, actor, handledAt: isoOf(seen) });
  }
}
