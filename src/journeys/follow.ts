// Following a journey: what changed between two reads of its view, as the events a follower sees (the API's event
// stream sends them, the CLI's watch prints them), and a polling follower for callers that hold a Temporal client.
import { setTimeout as delay } from 'node:timers/promises';
import type { JourneyNote, JourneyResult, JourneyView } from '../domain/journey.js';
import { JourneyNotFoundError } from './errors.js';

/** What a follower sees: the whole view first, then stage changes and new notes, and the end. */
export type JourneyEvent =
  | { event: 'view'; data: JourneyView }
  | { event: 'stage'; data: Pick<JourneyView, 'stage' | 'waiting'> }
  | { event: 'note'; data: JourneyNote }
  | { event: 'end'; data: { result: JourneyResult } };

/** The stage (or who it waits for) when it changed, then each note `next` has and `previous` had not. */
export function journeyChanges(previous: JourneyView, next: JourneyView): JourneyEvent[] {
  const changes: JourneyEvent[] = [];
  if (next.stage !== previous.stage || next.waiting?.for !== previous.waiting?.for) {
    changes.push({ event: 'stage', data: { stage: next.stage, waiting: next.waiting } });
  }
  // The view keeps the last 50 notes, so the oldest drop out: a note is new when the previous view lacks it.
  const seen = new Set(previous.notes.map((note) => JSON.stringify(note)));
  for (const note of next.notes) if (!seen.has(JSON.stringify(note))) changes.push({ event: 'note', data: note });
  return changes;
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
  if (last.result !== null) yield { event: 'end', data: { result: last.result } };
}
