// How the entry points run: a repeated Ctrl-C does not cut their stop short (stop-signals.ts); on an error, the
// reason on stderr, exit code 1. A Temporal runtime whose worker failed to start may keep native handles open; an
// unref'd timer ends the process if they do not let go in time.
import { holdStopSignals } from './stop-signals.js';

export function runMain(main: () => Promise<void>, describe: (err: unknown) => string = defaultDescription): void {
  const signals = holdStopSignals({ warn: (message: string) => console.error(`numberflow: ${message}`) });
  main()
    .finally(() => signals.ended())
    .catch((err: unknown) => {
      console.error(describe(err));
      process.exitCode = 1;
      setTimeout(() => process.exit(1), 5_000).unref();
    });
}

function defaultDescription(err: unknown): string {
  return `numberflow: ${err instanceof Error ? err.message : String(err)}`;
}

/** Something started, stopped on the way out. */
export type Stop = () => Promise<void>;

/** Runs `work`, then whatever it started, stopped in reverse order, also when `work` failed half-way. */
export async function withStops(work: (stops: Stop[]) => Promise<void>): Promise<void> {
  const stops: Stop[] = [];
  try {
    await work(stops);
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}
