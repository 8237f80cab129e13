// A number's timeline across all its runs and its customers' identity recoveries — what `numberflow audit <e164>` prints and the auditor's HTTP route
// answers — and the reading of one run that the portfolio export shares.
import type { Client } from '@temporalio/client';
import { journeyWorkflowId } from '../domain/journey.js';
import type { StageOrOutcome } from '../domain/stages.js';
import { JourneyNotFoundError } from '../journeys/index.js';
import { isoOf, PayloadReader, type HistoryEvent } from './decode.js';
import { protoTimeMs } from '../temporal/proto-time.js';
import { attachNotes, notesHandedOn, readNotes } from './notes.js';
import { customersRecoveries, mergeInTime } from './identity-timeline.js';
import { auditedNumber, journeyRuns, runHistory, type JourneyRun } from './runs.js';
import { resetFrom } from './run-ends.js';
import { runTimeline } from './timeline.js';
import { timelineSchema, type RunSummary, type Timeline, type TimelineEntry } from './types.js';

export interface AuditOptions {
  /** How long a run's notes may take to come (the `journey` query needs a worker); default 5 s. */
  notesTimeoutMs?: number;
  /** How long runs are not asked for theirs after a query no worker answered in time; default NOTES_DOWN_FOR_MS. */
  notesDownForMs?: number;
}

export interface TimelineOptions extends AuditOptions {
  /** Only the runs of these portfolios (a reader limited to some); left out: every run. */
  withinPortfolios?: readonly string[] | null;
}

/**
 * How long the runs after one whose query no worker answered in time are not asked for theirs: a worker gone would
 * cost each its wait, but one busy for a while (a long replay, an export's load) answers again — an export under load
 * lost the notes of every run after the first such query.
 */
export const NOTES_DOWN_FOR_MS = 30_000;

/** Reads runs; remembers what could not be read, and stops asking for notes a while once no worker answers in time. */
export class RunAuditor {
  readonly reader: PayloadReader;
  private notesDown: { why: string; until: number } | null = null;
  private readonly noteGaps: string[] = [];

  constructor(
    private readonly client: Client,
    private readonly options: AuditOptions = {},
  ) {
    this.reader = new PayloadReader(client.options.loadedDataConverter);
  }

  get gaps(): string[] {
    return [...this.reader.gaps, ...this.noteGaps];
  }

  /**
   * One run's entries. `reader`: the one its payloads are read with (a reader of its own keeps its gaps apart from
   * those of runs read at the same time, which `gaps` returns; by default the auditor's, whose gaps are all runs').
   */
  async audit(
    run: JourneyRun,
    stage: StageOrOutcome = 'WAITING_FOR_CAPACITY',
    reader = this.reader,
  ): Promise<{ entries: TimelineEntry[]; lastStage: StageOrOutcome; summary: RunSummary; gaps: string[] }> {
    const events = await runHistory(this.client, run);
    const open = run.closeTime === null;
    const gapsBefore = reader.gaps.length;
    const timeline = await runTimeline(events, {
      runId: run.runId,
      converter: this.client.options.loadedDataConverter,
      reader,
      stage,
      open,
    });
    const gaps = reader.gaps.slice(gapsBefore);
    if (timeline.noteTargets.length > 0) {
      const down = this.notesDown !== null && Date.now() < this.notesDown.until ? this.notesDown : null;
      const notes =
        (await notesHandedOn(events, reader)) ??
        (down
          ? { unavailable: `not asked: ${down.why} for a run read just before` }
          : await readNotes(this.client, run, this.options.notesTimeoutMs ?? 5_000));
      if (Array.isArray(notes)) attachNotes(timeline.noteTargets, notes);
      else {
        // No worker: not asked again for the other runs for a while. A failure of this run's own is this run's gap
        // alone, so that runs read at the same time (an export's) keep their notes whichever answers first.
        if (notes.noWorker && !down) {
          const until = Date.now() + (this.options.notesDownForMs ?? NOTES_DOWN_FOR_MS);
          this.notesDown = { why: notes.unavailable, until };
        }
        const gap = `notes of run ${run.runId} (what the journey said about its signals): ${notes.unavailable}`;
        this.noteGaps.push(gap);
        gaps.push(gap);
      }
    }
    return { entries: timeline.entries, lastStage: timeline.lastStage, summary: summaryOf(run, events), gaps };
  }
}

function summaryOf(run: JourneyRun, events: HistoryEvent[]): RunSummary {
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  const startedAt = events[0] ? protoTimeMs(events[0].eventTime) : run.startTime.getTime();
  return {
    runId: run.runId,
    startedAt: isoOf(startedAt),
    closedAt: run.closeTime ? run.closeTime.toISOString() : null,
    status: run.status,
    continuedFrom: started?.continuedExecutionRunId || null,
    resetFrom: resetFrom(events),
  };
}

/** One timeline for the number: every run, oldest first, each entry in the order history recorded it. */
export async function journeyTimeline(client: Client, e164: string, options: TimelineOptions = {}): Promise<Timeline> {
  const number = auditedNumber(e164);
  const workflowId = journeyWorkflowId(number);
  const within = options.withinPortfolios;
  // A run of another portfolio is left out before its history is read: a limited reader learns nothing of it.
  const runs = (await journeyRuns(client, workflowId)).filter(
    (run) => !within || (run.portfolioId !== null && within.includes(run.portfolioId)),
  );
  if (runs.length === 0) throw new JourneyNotFoundError(`no journey for ${number}`);
  const auditor = new RunAuditor(client, options);
  const entries: TimelineEntry[] = [];
  const summaries: RunSummary[] = [];
  let stage: StageOrOutcome = 'WAITING_FOR_CAPACITY';
  for (const run of runs) {
    const audited = await auditor.audit(run, stage);
    entries.push(...audited.entries);
    summaries.push(audited.summary);
    stage = audited.lastStage;
  }
  // Customers' recoveries are looked for on the numbers the runs took live only: a run that never did may name another
  // business's phone_number_id (a start takes the id as given), whose customers are not this number's.
  const wentLive = new Set(entries.filter((entry) => entry.stage === 'LIVE').map((entry) => entry.runId));
  const liveRuns = runs.filter((run) => wentLive.has(run.runId));
  const identity = await customersRecoveries(client, liveRuns, auditor.reader, Boolean(within));
  return timelineSchema.parse({
    e164: number,
    workflowId,
    generatedAt: new Date().toISOString(),
    runs: summaries,
    identityRuns: identity.runs,
    entries: mergeInTime(entries, identity.entries),
    gaps: auditor.gaps,
  });
}
