// A worker that stopped polling. Temporal's SDK core once held all of a worker's workflow task slots for good, under a
// burst into a full cache, and polled no more (README, Going to production): nothing is lost, but nothing on its
// queues moves until the process restarts. The worker cannot tell from inside (the SDK says nothing), so the watch
// asks the server: when did it last see a poll from this worker's identity on each of its task queues.
import type { Client } from '@temporalio/client';
import { workflowPollers } from './pollers.js';

export interface Stuck {
  taskQueue: string;
  /** The last poll the server saw from this worker on that queue; null when it lists none (it forgets after minutes). */
  lastPollAt: Date | null;
  message: string;
}

export interface StuckWatchOptions {
  client: Client;
  taskQueues: string[];
  /** The worker's identity, as it polls (src/temporal/client-identity.ts). */
  identity: string;
  stuckAfterMs: number;
  /** How often the server is asked; a quarter of stuckAfterMs, at most 30 s, by default. */
  everyMs?: number;
  /** Said once each time the pollers cannot be read (Temporal away, a key without the right): the watch waits. */
  warn: (message: string) => void;
  /**
   * Whether the worker is at work without polling: its slots held by workflow tasks whose local activities retry
   * inside them (a slot ask while its portfolio stalls). The count starts again then; a stuck SDK runs none.
   */
  busy?: () => boolean;
  /** The watch's clock (tests jump it, as a paused process's clock jumps). */
  now?: () => number;
}

const DESCRIBE_WITHIN_MS = 10_000;

/**
 * How late a round may come, or how long one may take, before the process itself is taken to have been held (SIGSTOP,
 * Ctrl-Z, a frozen container, a debugger): no poll could be made then, and none is counted against it.
 */
const HELD_PAST_MS = DESCRIBE_WITHIN_MS + 5_000;

export interface StuckWatch {
  /** Settles only if the worker is stuck. */
  stuck: Promise<Stuck>;
  stop(): void;
}

/** The last poll the server saw from `identity` on `taskQueue`'s workflow side, in ms; null if it lists none. */
export async function lastPollOf(client: Client, taskQueue: string, identity: string): Promise<number | null> {
  // Bounded: a describe left hanging would hold the watch's rounds (its time-out is a round the server was not read).
  const pollers = await client.withDeadline(Date.now() + DESCRIBE_WITHIN_MS, () => workflowPollers(client, taskQueue));
  const times = pollers.filter((p) => p.identity === identity).map((p) => p.lastPollMs);
  return times.length > 0 ? Math.max(...times) : null;
}

/**
 * The first queue not polled for longer than `stuckAfterMs`, counting from `sinceMs` at the earliest: the watch's
 * start, or the last time the server could not be read (a worker cannot poll a server that is away either).
 */
export function stuckQueue(
  lastPolls: ReadonlyMap<string, number | null>,
  sinceMs: number,
  nowMs: number,
  stuckAfterMs: number,
): { taskQueue: string; lastPollMs: number | null } | null {
  for (const [taskQueue, lastPollMs] of lastPolls) {
    if (nowMs - Math.max(lastPollMs ?? 0, sinceMs) > stuckAfterMs) return { taskQueue, lastPollMs };
  }
  return null;
}

export function watchForStuckWorker(options: StuckWatchOptions): StuckWatch {
  const { client, taskQueues, identity, stuckAfterMs, warn, busy = () => false, now = Date.now } = options;
  const everyMs = options.everyMs ?? Math.min(30_000, stuckAfterMs / 4);
  let since = now();
  let dueAt = now() + everyMs; // when the next round is due: one long overdue means the process itself was held
  let unread = false; // the last round could not read the pollers (said once per such streak)
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let found: (stuck: Stuck) => void = () => undefined;
  const stuck = new Promise<Stuck>((resolve) => (found = resolve));

  const round = async (): Promise<Stuck | null> => {
    const began = now();
    const lastPolls = new Map<string, number | null>();
    try {
      for (const taskQueue of taskQueues) lastPolls.set(taskQueue, await lastPollOf(client, taskQueue, identity));
    } catch (err) {
      since = now();
      if (!unread)
        warn(
          `could not read the task queues' pollers, so whether this worker still polls is not checked meanwhile: ${err instanceof Error ? err.message : String(err)}`,
        );
      unread = true;
      return null;
    }
    unread = false;
    const ended = now();
    // Held before the round or during it: no verdict, and counted from now.
    if (began - dueAt > HELD_PAST_MS || ended - began > HELD_PAST_MS || busy()) {
      since = ended;
      return null;
    }
    const queue = stuckQueue(lastPolls, since, began, stuckAfterMs);
    if (!queue) return null;
    const lastPollAt = queue.lastPollMs === null ? null : new Date(queue.lastPollMs);
    const last = lastPollAt ? `its last poll at ${lastPollAt.toISOString()}` : 'no poll of it listed';
    return {
      taskQueue: queue.taskQueue,
      lastPollAt,
      message: `this worker has not polled task queue "${queue.taskQueue}" for more than ${Math.round(stuckAfterMs / 1000)} s (${last}, Temporal says): its SDK is stuck and must be restarted (WORKER_STUCK_AFTER)`,
    };
  };
  const next = () => {
    if (stopped) return;
    dueAt = now() + everyMs;
    timer = setTimeout(() => {
      void round().then((result) => (result && !stopped ? found(result) : next()), next);
    }, everyMs);
    timer.unref(); // the watch never holds the process
  };
  next();
  return {
    stuck,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
