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
 * log, a closed pipe, a reader that stopped reading) is dropped and counted, and the count said on the line after
 * the next one written: pino's own writer threw the error (the process ended) and, flushing on the way out, retried
 * the line for ever while the disk stayed full — a service that could not log stopped answering. A pipe whose reader
 * is behind is waited for up to half a second, once: until a line goes through again, the next are tried once each.
 */
export function lineWriter(fd: number, writeTo: (fd: number, bytes: Buffer) => number = writeSync): DestinationStream {
  let dropped: { lines: number; why: string } | null = null;
  let cutShort = false; // a line dropped after part of it was written: the next begins on a line of its own
  let stalled = false;
  const write = (line: string): boolean => {
    try {
      writeWhole(fd, cutShort ? `\n${line}` : line, writeTo, stalled ? 0 : FULL_PIPE_TRIES);
      cutShort = false;
      stalled = false;
      return true;
    } catch (err) {
      const { code, written } = err as NodeJS.ErrnoException & { written?: number };
      cutShort ||= (written ?? 0) > 0;
      stalled = code === 'EAGAIN';
      dropped = { lines: (dropped?.lines ?? 0) + 1, why: code ?? String(err) };
      return false;
    }
  };
  return {
    write(line: string) {
      if (!write(line) || dropped === null) return;
      const { lines, why } = dropped;
      dropped = null;
      const msg = `${lines} log line(s) dropped before the line above: the log could not be written (${why})`;
      if (!write(`${JSON.stringify({ level: 40, time: Date.now(), app: 'numberflow', msg })}\n`)) {
        dropped = { lines, why }; // the count is said with the next one
      }
    },
  };
}

/** Writes `text` whole, a full pipe tried again `tries` times; what it throws says how much was written before. */
function writeWhole(fd: number, text: string, writeTo: (fd: number, bytes: Buffer) => number, tries: number): void {
  const bytes = Buffer.from(text);
  let written = 0;
  for (let waits = 0; written < bytes.length;) {
    try {
      written += writeTo(fd, bytes.subarray(written));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || ++waits > tries)
        throw Object.assign(err as Error, { written });
      Atomics.wait(waited, 0, 0, FULL_PIPE_WAIT_MS);
    }
  }
}
