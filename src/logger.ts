// One structured logger (pino) for the app, also fed by the Temporal runtime so worker logs share its format.
import { pino, type Logger } from 'pino';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

export type { Logger };

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'numberflow' } });
}

let runtimeInstalled = false;

/** Routes the Temporal runtime's (worker, workflow, activity) logs into the app logger. Once per process. */
export function installTemporalLogging(logger: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = logger.level.toUpperCase() as LogLevel;
  Runtime.install({
    logger: new DefaultLogger(level === ('FATAL' as LogLevel) ? 'ERROR' : level, (entry) => {
      const method = entry.level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
      logger[method]({ ...entry.meta, source: 'temporal' }, entry.message);
    }),
  });
}
