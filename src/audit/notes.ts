// What the journey noted about a signal — a refusal ("removal refused: role operator …"), or what it did at once —
// lives in its state, not in history: it is read through the `journey` query and matched to the signal by who sent
// it and the workflow time its handler ran at (the start of the workflow task that took it). A query needs a worker;
// without one the timeline says so in its gaps.
import type { Client } from '@temporalio/client';
import { journeyQuery, type JourneyNote } from '../domain/journey.js';
import { TIMED_OUT, boundedWait } from '../temporal/bounded-wait.js';
import { allowed, notesFields } from './payloads.js';
import type { NoteTarget } from './walk.js';

/**
 * The notes a run holds (continue-as-new carries earlier runs' too), or why they could not be read (`noWorker`: none
 * answered in time, so no other run's would either).
 */
export async function readNotes(
  client: Client,
  workflowId: string,
  runId: string,
  timeoutMs: number,
): Promise<JourneyNote[] | { unavailable: string; noWorker?: true }> {
  try {
    const view = await boundedWait(client, timeoutMs, () =>
      client.workflow.getHandle(workflowId, runId).query(journeyQuery),
    );
    if (view === TIMED_OUT) {
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
 * of one actor taken in one workflow task (Meta's changes of one delivery) share that moment: a note goes to the one
 * whose entry holds every quoted text of the note (a name decision's name), else to the first of them.
 */
export function attachNotes(targets: NoteTarget[], notes: JourneyNote[]): void {
  const noted = new Map<NoteTarget, string[]>();
  for (const note of notes) {
    const candidates = targets.filter((t) => t.actor === note.actor && t.handledAt === note.at);
    // Its quoted texts and its first word (a decision's: APPROVED, REJECTED), else its quoted texts alone.
    const quoted = note.what.match(/"[^"]*"/g) ?? [];
    const first = note.what.split(' ')[0] ?? '';
    const quotes = (t: NoteTarget) => quoted.length > 0 && quoted.every((q) => t.entry.what.includes(q));
    const target =
      candidates.find((t) => quotes(t) && t.entry.what.includes(first)) ?? candidates.find(quotes) ?? candidates[0];
    if (target) noted.set(target, [...(noted.get(target) ?? []), note.what]);
  }
  for (const target of targets) {
    const mine = noted.get(target);
    if (!mine) continue;
    const said = mine.join('; ');
    target.entry.outcome = target.entry.outcome ? `${target.entry.outcome}; ${said}` : said;
  }
}
