// Ctrl-C under npm arrives twice: the terminal signals the whole process group, and npm forwards the signal to its
// child too. The Temporal runtime (and the HTTP service) listen for the first signal only, so the second killed the
// process mid-drain and left the dev server running. This listener stays: a repeat within SAME_PRESS_MS is the same
// press; a second press says the stop goes on; a third stops at once. Once the entry point's work has ended (a
// process still held by a handle), any press stops it at once.

const SAME_PRESS_MS = 500;
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** The exit code of a process stopped by `signal`: 128 and its number, as shells and supervisors read a stop. */
export const exitCodeOf = (signal: NodeJS.Signals): number => (signal === 'SIGTERM' ? 143 : 130);

export interface StopSignalDeps {
  logger: { warn(message: string): void };
  /** How many listeners the signal has now, this one included. */
  listeners: (signal: NodeJS.Signals) => number;
  /** Whether the entry point's work has ended (settled). */
  ended: () => boolean;
  /** Exits with the code the process has, or the signal's (130 for SIGINT, 143 for SIGTERM). */
  exit: (signal: NodeJS.Signals) => void;
  now: () => number;
}

/** What one more SIGINT or SIGTERM does; the process's own listeners (the runtime's) act on the first press. */
export function stopSignalHandler(deps: StopSignalDeps): (signal: NodeJS.Signals) => void {
  let presses = 0;
  let lastAt = Number.NEGATIVE_INFINITY;
  return (signal) => {
    if (deps.ended()) return deps.exit(signal);
    const at = deps.now();
    if (at - lastAt < SAME_PRESS_MS) return; // npm's copy of the press just taken
    lastAt = at;
    presses += 1;
    if (presses === 1) {
      if (deps.listeners(signal) <= 1) deps.exit(signal); // nothing started yet that drains: stop now
      return;
    }
    if (presses === 2) {
      deps.logger.warn(
        `${signal} again: still stopping; once more stops at once (a dev server it started is left running, and the next start reuses it)`,
      );
      return;
    }
    deps.exit(signal);
  };
}

/** Listens for the whole life of the process (installed before anything starts); answers how to say it ended. */
export function holdStopSignals(logger: StopSignalDeps['logger']): { ended(): void } {
  let ended = false;
  const handle = stopSignalHandler({
    logger,
    listeners: (signal) => process.listenerCount(signal),
    ended: () => ended,
    exit: (signal) => process.exit(process.exitCode || exitCodeOf(signal)),
    now: () => performance.now(),
  });
  for (const signal of STOP_SIGNALS) process.on(signal, handle);
  return { ended: () => void (ended = true) };
}

/**
 * Until `begun`, a stop signal exits at once, saying so: a worker still starting (connecting to Temporal, checking its
 * keys) has nothing to drain. The Temporal runtime listens from its creation, so the first signal otherwise only
 * marked the workers to come as stopped while the start went on, up to its own deadline, then failed.
 */
export function stopAtOnceWhileStarting(logger: { info(message: string): void }): { begun(): void } {
  const stop = (signal: NodeJS.Signals) => {
    logger.info(`${signal} while starting: nothing to drain yet; stopped`);
    process.exit(exitCodeOf(signal));
  };
  for (const signal of STOP_SIGNALS) process.on(signal, stop);
  return {
    begun: () => {
      for (const signal of STOP_SIGNALS) process.off(signal, stop);
    },
  };
}
