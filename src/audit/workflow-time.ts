// Workflow time as the journey saw it: the start of the workflow task that ran its code (Date.now() inside a
// workflow). A timer's deadline is that time plus its duration, exactly; a signal's notes carry the time of the task
// that took it. An event's own timestamp is when the server wrote it, later by however long the task took.
import type { HistoryEvent } from './decode.js';
import { protoTimeMs } from '../temporal/proto-time.js';

export class WorkflowTime {
  private readonly taskStarts = new Map<string, number>();
  private readonly startOfCompleted = new Map<string, string>();
  private readonly nextTaskStart: (number | null)[];

  constructor(events: HistoryEvent[]) {
    for (const event of events) {
      if (event.workflowTaskStartedEventAttributes) {
        this.taskStarts.set(String(event.eventId), protoTimeMs(event.eventTime));
      }
      const completed = event.workflowTaskCompletedEventAttributes;
      if (completed) this.startOfCompleted.set(String(event.eventId), String(completed.startedEventId));
    }
    // Only a task that completed ran the workflow's code to the end (a failed one is run again).
    const completedStarts = new Set(this.startOfCompleted.values());
    this.nextTaskStart = new Array<number | null>(events.length).fill(null);
    let next: number | null = null;
    for (let i = events.length - 1; i >= 0; i--) {
      this.nextTaskStart[i] = next;
      const id = String(events[i]?.eventId);
      if (completedStarts.has(id)) next = this.taskStarts.get(id) ?? null;
    }
  }

  /** When the workflow's code first saw the event at `index` (the next completed task's start). */
  seenAt(index: number): number | null {
    return this.nextTaskStart[index] ?? null;
  }

  /** The workflow time of the task whose completion (`workflowTaskCompletedEventId`) issued a command. */
  commandedAt(completedEventId: { toString(): string } | null | undefined): number | null {
    const started = this.startOfCompleted.get(String(completedEventId));
    return started === undefined ? null : (this.taskStarts.get(started) ?? null);
  }
}
