// What the journey noted about a signal — a refusal ("removal refused: role operator …"), or what it did at once —
// lives in its state, not in history: it is read through the `journey` query and matched to the signal by who sent
// it and the workflow time its handler ran at (the start of the workflow task that took it). A query needs a worker;
// without one the timeline says so in its gaps.
import type { Client } from '@temporalio/client';
import { journeyQuery, type JourneyNote } from '../domain/journey.js';
import { notedActor } from '../domain/operator-input.js';
import { TIMED_OUT, boundedWait } from '../temporal/bounded-wait.js';
import { PayloadReader, type HistoryEvent } from './decode.js';
import { allowed, notesFields } from './payloads.js';
import type { NoteTarget } from './walk.js';

/**
 * The notes a run that continued as new handed on (the state, the new run's second argument): what its query would
 * answer, read from its history without a worker — a query of a closed run replays it whole, seconds for a live run
 * of 12,000 events, past the query's wait. Undefined for a run that did not, or whose state this reader cannot open.
 */
export async function notesHandedOn(
  events: readonly HistoryEvent[],
  reader: PayloadReader,
): Promise<JourneyNote[] | undefined> {
  const handedOn = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
  if (!handedOn) return undefined;
  // A reader of its own: a state it cannot open is no gap yet, the query is asked instead.
  const [, state] = await new PayloadReader(reader.converter).values(handedOn.input?.payloads, 'the state handed on');
  return allowed(notesFields, state)?.notes;
}

/** Why a run's notes could not be read; `noWorker`: none answered in time, so another run's may not be either. */
export interface NotesUnavailable {
  unavailable: string;
  noWorker?: true;
}

/** The notes a run holds (continue-as-new carries earlier runs' too), or why they could not be read. */
export async function readNotes(
  client: Client,
  run: { workflowId: string; runId: string },
  timeoutMs: number,
): Promise<JourneyNote[] | NotesUnavailable> {
  try {
    const view = await boundedWait(client, timeoutMs, () =>
      client.workflow.getHandle(run.workflowId, run.runId).query(journeyQuery),
    );
    if (view === TIMED_OUT) {
      // No worker, or one busy (other tasks, a long replay).
      return { unavailable: `no worker answered the journey query within ${timeoutMs / 1000} s`, noWorker: true };
    }
    return allowed(notesFields, view)?.notes ?? { unavailable: 'the journey query answered no notes' };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // Temporal answers at once when no worker has polled the queue for a while: as a timeout, no other run's would.
    const noWorker = /no poller seen/i.test(message) ? ({ noWorker: true } as const) : {};
    return { unavailable: `the journey query failed: ${message}`, ...noWorker };
  }
}

/**
 * Each note of a signal's actor at the moment its handler ran becomes part of that signal's outcome. Several signals
 * of one actor taken in one workflow task (Meta's changes of one delivery, a person's two cancels) share that moment:
 * a note goes to the one whose entry holds every quoted text of the note (a name decision's name); the others, when
 * they are as many as the signals no quote chose, one to each in order (a handler notes as it runs, in the order the
 * signals came), else all to the first of them.
 */
export function attachNotes(targets: NoteTarget[], notes: JourneyNote[]): void {
  const noted = new Map<NoteTarget, string[]>();
  const note = (target: NoteTarget, what: string) => noted.set(target, [...(noted.get(target) ?? []), what]);
  for (const moment of momentsOf(notes)) {
    // Named alike on both sides: a note of an earlier version names a refused actor as it came.
    const actor = notedActor(moment[0]!.actor);
    const candidates = targets.filter((t) => notedActor(t.actor) === actor && t.handledAt === moment[0]!.at);
    if (candidates.length === 0) continue;
    const unquoted: JourneyNote[] = [];
    for (const one of moment) {
      const target = quotedBy(candidates, one.what);
      if (target) note(target, one.what);
      else unquoted.push(one);
    }
    const left = candidates.filter((t) => !noted.has(t));
    unquoted.forEach((one, i) => note(unquoted.length === left.length ? left[i]! : candidates[0]!, one.what));
  }
  for (const target of targets) {
    const mine = noted.get(target);
    if (!mine) continue;
    const said = mine.join('; ');
    target.entry.outcome = target.entry.outcome ? `${target.entry.outcome}; ${said}` : said;
  }
}

/** Notes grouped by actor (as notedActor names them) and moment, each group in the order noted. */
function momentsOf(notes: JourneyNote[]): JourneyNote[][] {
  const moments = new Map<string, JourneyNote[]>();
  for (const one of notes) {
    const key = JSON.stringify([notedActor(one.actor), one.at]);
    moments.set(key, [...(moments.get(key) ?? []), one]);
  }
  return [...moments.values()];
}

/** The candidate whose entry holds every quoted text of the note (and its first word, if one does), if any. */
function quotedBy(candidates: NoteTarget[], what: string): NoteTarget | undefined {
  const quoted = what.match(/"[^"]*"/g) ?? [];
  if (quoted.length === 0) return undefined;
  const first = what.split(' ')[0] ?? '';
  const quotes = (t: NoteTarget) => quoted.every((q) => t.entry.what.includes(q));
  return candidates.find((t) => quotes(t) && t.entry.what.includes(first)) ?? candidates.find(quotes);
}
