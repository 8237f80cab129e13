// Following a journey: what changed between two reads of its view, as the events a follower sees (the API's event
// stream sends them, the CLI's watch prints them), and a polling follower for callers that hold a Temporal client.
import { setTimeout as delay } from 'node:timers/promises';
import type { JourneyNote, JourneyResult, JourneyView, StageEntered } from '../domain/journey.js';
import { STAGES_KEPT } from '../domain/stages.js';
import { JourneyNotFoundError } from './errors.js';

/**
 * What a follower sees: the whole view first, then stage changes, a Graph call Temporal retries (its attempt or
 * state changed, or it is over: null), new notes, and the end.
 */
export type JourneyEvent =
  | { event: 'view'; data: JourneyView }
  | { event: 'stage'; data: Pick<JourneyView, 'stage' | 'waiting'> & { at?: string } }
  | { event: 'call'; data: Pick<JourneyView, 'callUnderWay'> }
  | { event: 'note'; data: JourneyNote }
  | { event: 'end'; data: { result: JourneyResult; at?: string } };

/** The end as followers are told it: with when the journey ended (Temporal's time), when its view keeps stages. */
export function endOf(view: JourneyView & { result: JourneyResult }): { result: JourneyResult; at?: string } {
  const ended = view.stagesEntered?.at(-1);
  return ended?.stage === view.result.outcome ? { result: view.result, at: ended.at } : { result: view.result };
}

/**
 * The stage (or who it waits for) when it changed, the retried call when it changed, then each note `next` has and
 * `previous` had not.
 */
export function journeyChanges(previous: JourneyView, next: JourneyView): JourneyEvent[] {
  const changes: JourneyEvent[] = [];
  // Each stage entered since the previous read (a journey may go through several in one second), each with when.
  const entered = enteredSince(previous, next);
  for (const [i, { stage, at }] of entered.entries()) {
    const last = i === entered.length - 1 && stage === next.stage;
    changes.push({ event: 'stage', data: { stage, waiting: last ? next.waiting : null, at } });
  }
  // Otherwise (no stages kept, or the view's stage is none of them: a run closed outside the journey) as it stands.
  const told = entered.at(-1);
  const moved = next.stage !== previous.stage || next.waiting?.for !== previous.waiting?.for;
  if (told ? told.stage !== next.stage : moved) {
    changes.push({ event: 'stage', data: { stage: next.stage, waiting: next.waiting } });
  }
  if (retriedCall(next) !== retriedCall(previous)) changes.push({ event: 'call', data: callOf(next) });
  // The view keeps the last 50 notes, so the oldest drop out: a note is new when the previous view lacks it.
  const seen = new Set(previous.notes.map((note) => JSON.stringify(note)));
  for (const note of next.notes) if (!seen.has(JSON.stringify(note))) changes.push({ event: 'note', data: note });
  return changes;
}

/**
 * The stages `next` entered after the last one `previous` shows; none when either keeps no stages (a view from a
 * worker before they were kept, or a run closed outside the journey, whose view is its last).
 */
function enteredSince(previous: JourneyView, next: JourneyView): StageEntered[] {
  const before = previous.stagesEntered ?? [];
  const after = next.stagesEntered ?? [];
  const last = before.at(-1);
  if (!last || after.length === 0) return [];
  const from = after.findLastIndex((s) => s.stage === last.stage && s.at === last.at);
  return from >= 0 ? after.slice(from + 1) : after.filter((s) => s.at > last.at);
}

/**
 * Reads the journey every `pollMs` and yields what changed, until it has ended or `signal` aborts. A read that
 * fails (Temporal unreachable a moment) is tried again at the next poll; the first read's failure is thrown.
 */
export async function* followJourney(
  read: () => Promise<JourneyView>,
  { pollMs, signal }: { pollMs: number; signal: AbortSignal },
): AsyncGenerator<JourneyEvent> {
  let last = await read();
  yield { event: 'view', data: last };
  while (last.result === null && !signal.aborted) {
    await delay(pollMs, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) return;
    let next: JourneyView;
    try {
      next = await read();
    } catch (err) {
      if (err instanceof JourneyNotFoundError) throw err;
      continue;
    }
    yield* journeyChanges(last, next);
    last = next;
  }
  if (last.result !== null) yield { event: 'end', data: endOf({ ...last, result: last.result }) };
}

/** The retried call as far as a follower is told of it: a new attempt, or another state (not each second's read). */
function retriedCall({ callUnderWay: call }: JourneyView): string | null {
  return call && `${call.call} ${call.endpoint} ${call.attempt} ${call.state}`;
}

/** The view's retried call; null from a view that has none (an older service's). */
function callOf(view: JourneyView): Pick<JourneyView, 'callUnderWay'> {
  return { callUnderWay: view.callUnderWay ?? null };
}

export interface ResumeOptions {
  signal: AbortSignal;
  /** Whether a stream's failure may be followed by another (the service restarting), or is final. */
  resumable: (err: unknown) => boolean;
  /** Said once each time the stream is lost and followed again. */
  onLost: (err: unknown) => void;
  retryMs?: number;
  /** How long without a stream before the last failure is thrown. */
  giveUpMs?: number;
}

/**
 * Follows a journey's event streams across their loss (a service restarted): each new stream's opening view is said
 * as what changed since the last one seen, so a follower sees every change once. A stream lost for `giveUpMs`, or
 * a failure that is not `resumable`, is thrown.
 */
export async function* resumingEvents(
  open: () => AsyncGenerator<JourneyEvent>,
  { signal, resumable, onLost, retryMs = 1_000, giveUpMs = 60_000 }: ResumeOptions,
): AsyncGenerator<JourneyEvent> {
  let last: JourneyView | null = null;
  let lostSince: number | null = null;
  for (;;) {
    try {
      for await (const event of open()) {
        lostSince = null;
        if (event.event === 'view') {
          if (last) yield* journeyChanges(last, event.data);
          else yield event;
          last = event.data;
          continue;
        }
        if (last && event.event === 'stage') last = withStage(last, event.data);
        if (last && event.event === 'call') last = { ...last, ...event.data };
        if (last && event.event === 'note') last = { ...last, notes: [...last.notes, event.data] };
        yield event;
      }
      return; // ended, or aborted
    } catch (err) {
      if (signal.aborted) return;
      // The first stream must open (a wrong address fails at once); only one that worked is followed again.
      if (last === null || !resumable(err) || (lostSince !== null && Date.now() - lostSince > giveUpMs)) throw err;
      if (lostSince === null) onLost(err);
      lostSince ??= Date.now();
      await delay(retryMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
    }
  }
}

/** The last view as a stage event moves it on: its stage, its wait, and the stage among those entered (when dated). */
function withStage(
  last: JourneyView,
  { stage, waiting, at }: Pick<JourneyView, 'stage' | 'waiting'> & { at?: string },
) {
  const entered = at ? [...(last.stagesEntered ?? []), { stage, at }].slice(-STAGES_KEPT) : last.stagesEntered;
  return { ...last, stage, waiting, stagesEntered: entered };
}
