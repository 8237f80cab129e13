// Ctrl-C under npm arrives twice: the terminal signals the whole process group, and npm forwards the signal to its
// child too. The Temporal runtime (and the HTTP service) listen for the first signal only, so the second killed the
// process mid-drain and left the dev server running. This listener stays: a repeat within SAME_PRESS_MS is the same
// press; a second press says the stop goes on; a third stops at once.
import type { Logger } from './logger.js';

const SAME_PRESS_MS = 500;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export interface StopSignalDeps {
  logger: Pick<Logger, 'warn'>;
  /** How many listeners the signal has now, this one included. */
  listeners: (signal: NodeJS.Signals) => number;
  exit: (code: number) => void;
  now: () => number;
}

/** What one more SIGINT or SIGTERM does; the process's own listeners (the runtime's) act on the first press. */
export function stopSignalHandler(deps: StopSignalDeps): (signal: NodeJS.Signals) => void {
  let presses = 0;
  let lastAt = Number.NEGATIVE_INFINITY;
  return (signal) => {
    const at = deps.now();
    if (at - lastAt < SAME_PRESS_MS) return; // npm's copy of the press just taken
    lastAt = at;
    presses += 1;
    if (presses === 1) {
      if (deps.listeners(signal) <= 1) deps.exit(130); // nothing started yet that drains: stop now
      return;
    }
    if (presses === 2) {
      deps.logger.warn(`${signal} again: still stopping (the worker drains its tasks); once more stops at once`);
      return;
    }
    deps.exit(130);
  };
}

/** Listens for the whole life of the process (installed before anything starts). */
export function holdStopSignals(logger: Pick<Logger, 'warn'>): void {
  const handle = stopSignalHandler({
    logger,
    listeners: (signal) => process.listenerCount(signal),
    exit: (code) => process.exit(code),
    now: () => performance.now(),
  });
  for (const signal of STOP_SIGNALS) process.on(signal, handle);
}
