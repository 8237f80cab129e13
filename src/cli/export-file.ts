// A portfolio's export written as it is read: to standard output, or to a file that appears under its name only once
// whole (README: a partial export never passes for a whole one).
import { createWriteStream, rmSync } from 'node:fs';
import { lstat, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { resumed } from '../resumed.js';
import { interruptible } from './interrupts.js';

/**
 * The export's text to standard output as it comes, or to the file: written beside it under a name of its own and
 * renamed to it once whole, so that an export cut short (a failure, Ctrl-C, a stop) never stands under the file's
 * name as if it were whole; the part is removed, and a file that was there stays as it was. A FIFO, a device or a
 * link is written to as the rows come.
 */
export async function writeExport(lines: AsyncIterable<string>, output: string | undefined): Promise<void> {
  // The first line is read before the file is made: an export refused at once (a portfolio not found) leaves a file
  // that was there as it was.
  const reading = lines[Symbol.asyncIterator]();
  const first = await reading.next();
  if (output === undefined) {
    try {
      await pipeline(Readable.from(resumed(first, reading)), process.stdout, { end: false });
    } catch (err) {
      // The reader went away (`| head`): what it wanted has been written.
      if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
    }
    return;
  }
  // A FIFO, a device or a link (/dev/stdout) is written to as the rows come: it is no file to replace.
  const found = await lstat(output).catch(() => null);
  if (found && !found.isFile()) {
    await pipeline(Readable.from(resumed(first, reading)), createWriteStream(output));
    return;
  }
  const part = join(dirname(output), `.${basename(output)}.${process.pid}.part`);
  const stopped = (signal: NodeJS.Signals) => {
    rmSync(part, { force: true });
    console.error(`numberflow: interrupted (${signal}): no export written; ${output} is as it was`);
  };
  await interruptible(async () => {
    const sink = createWriteStream(part, { mode: 0o600 });
    try {
      await pipeline(Readable.from(resumed(first, reading)), sink);
      await rename(part, output);
    } catch (err) {
      // The stream opens its file on its own time: removed before it had, the part was made after its removal and
      // stayed (an export failing at once, on a busy machine).
      // (Its 'close', not once(): the error it was destroyed with would end that wait before the file is closed.)
      if (!sink.closed) await new Promise<void>((closed) => sink.once('close', () => closed()));
      rmSync(part, { force: true });
      throw err;
    }
  }, stopped);
}
