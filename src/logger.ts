// One structured logger (pino) for the app; the Temporal runtime feeds it too (src/temporal/runtime-logging.ts), so
// worker logs share its format. Kept free of the worker SDK: the CLI loads it.
import { writeSync } from 'node:fs';
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
  return pino(options, destination ?? lineWriter(toStderr ? 2 : 1));
}

/** How long a write to a full pipe is tried again (EAGAIN: its reader is behind) before the line is dropped. */
const FULL_PIPE_TRIES = 50;
const FULL_PIPE_WAIT_MS = 10;
const waited = new Int32Array(new SharedArrayBuffer(4));

/**
 * Standard output or error, written a line at a time. A line the system refuses (a full disk under a redirected
 * log, a closed pipe) is dropped and counted, and said once writing works again: pino's own writer threw the error
 * (the process ended) and, flushing on the way out, retried the line for ever while the disk stayed full — a
 * service that could not log stopped answering.
 */
export function lineWriter(fd: number, writeTo: (fd: number, bytes: Buffer) => number = writeSync): DestinationStream {
  let dropped: { lines: number; why: string } | null = null;
  const write = (line: string): boolean => {
    try {
      writeWhole(fd, line, writeTo);
      return true;
    } catch (err) {
      dropped = { lines: (dropped?.lines ?? 0) + 1, why: (err as NodeJS.ErrnoException).code ?? String(err) };
      return false;
    }
  };
  return {
    write(line: string) {
      if (!write(line) || dropped === null) return;
      const { lines, why } = dropped;
      dropped = null;
      const msg = `${lines} log line(s) dropped before this one: the log could not be written (${why})`;
      write(`${JSON.stringify({ level: 40, time: Date.now(), app: 'numberflow', msg })}\n`);
    },
  };
}

function writeWhole(fd: number, text: string, writeTo: (fd: number, bytes: Buffer) => number): void {
  let rest = Buffer.from(text);
  for (let tries = 0; rest.length > 0;) {
    try {
      rest = rest.subarray(writeTo(fd, rest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || ++tries > FULL_PIPE_TRIES) throw err;
      Atomics.wait(waited, 0, 0, FULL_PIPE_WAIT_MS);
    }
  }
}
