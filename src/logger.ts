// One structured logger (pino) for the app; the Temporal runtime feeds it too (src/temporal/runtime-logging.ts), so
// worker logs share its format. Kept free of the worker SDK: the CLI loads it.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * `toStderr`: for a command whose standard output is its answer (the CLI). `destination`: elsewhere than standard
 * output (the benchmarks' null device).
 */
export function createLogger(
  level: string = process.env.LOG_LEVEL || 'info', // set blank: the default, as src/config.ts reads it
  toStderr = false,
  destination?: DestinationStream,
): Logger {
  const options = { level, base: { app: 'numberflow' } };
  if (destination) return pino(options, destination);
  return toStderr ? pino(options, pino.destination({ dest: 2, sync: true })) : pino(options);
}
