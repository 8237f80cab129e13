// The sandbox clock: real time plus an offset that tests move forward. Every Meta rule with a duration (OTP
// lifetime, 72 h register window, 30-day paid-message block, review delays…) reads this clock, and work that
// falls due (a name review, a CONNECTED transition) runs when real time reaches it or when the clock is advanced.

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** setTimeout holds at most ~24.8 days; a later task is re-armed when this wait ends. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface ScheduledTask {
  at: number;
  seq: number;
  run: () => void;
}

export class SandboxClock {
  private offsetMs = 0;
  private seq = 0;
  private tasks: ScheduledTask[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly onTaskError: (err: unknown) => void = () => {}) {}

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** How far the clock was moved forward (kept across a restart of a persisted sandbox). */
  get offset(): number {
    return this.offsetMs;
  }

  restoreOffset(offsetMs: number): void {
    this.offsetMs = offsetMs;
  }

  /** Moves the clock forward and runs, in time order, every task that became due. */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the sandbox clock only moves forward');
    this.offsetMs += ms;
    this.runDue();
    return this.now();
  }

  /** Runs `run` once the sandbox time reaches `at`. */
  schedule(at: number, run: () => void): void {
    if (this.stopped) return;
    this.tasks.push({ at, seq: this.seq++, run });
    this.tasks.sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.tasks = [];
    if (this.timer) clearTimeout(this.timer);
  }

  private runDue(): void {
    // A task may schedule another that is already due (e.g. an approval that re-opens a review): loop until none.
    for (let task = this.tasks[0]; task && task.at <= this.now(); task = this.tasks[0]) {
      this.tasks.shift();
      try {
        task.run();
      } catch (err) {
        this.onTaskError(err);
      }
    }
    this.arm();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.tasks[0];
    if (!next || this.stopped) return;
    const wait = Math.min(Math.max(next.at - this.now(), 0), MAX_TIMER_MS);
    this.timer = setTimeout(() => this.runDue(), wait);
    this.timer.unref();
  }
}

/** Graph's timestamp format, e.g. "2023-08-22T19:05:53+0000". */
export function graphTimestamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+0000`;
}

export function unixSeconds(ms: number): number {
  return Math.floor(ms / SECOND);
}

/** Keeps only the times inside a moving window ending now (for the "N calls per window" rules). */
export function withinWindow(times: readonly number[], now: number, windowMs: number): number[] {
  return times.filter((t) => now - t < windowMs);
}
