// A command stopped mid-way (Ctrl-C, or a stop: SIGTERM) says what it leaves, then exits 130 (143), as shells and
// supervisors read a stop.
import { exitCodeOf, STOP_SIGNALS } from '../stop-signals.js';

/** Runs `work`; stopped meanwhile, `said` says what is left (and may tidy up) and the process exits. */
export async function interruptible<T>(work: () => Promise<T>, said: (signal: NodeJS.Signals) => void): Promise<T> {
  const stopped = (signal: NodeJS.Signals) => {
    said(signal);
    process.exit(exitCodeOf(signal));
  };
  for (const signal of STOP_SIGNALS) process.once(signal, stopped);
  try {
    return await work();
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, stopped);
  }
}
