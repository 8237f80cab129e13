// A progress bar (cli-progress) on a stream, only when a person watches it there: never in a pipe or a file.
import { SingleBar } from 'cli-progress';

/** `format`: cli-progress's, e.g. 'starting {bar} {value}/{total} journeys ({eta_formatted} left)'. */
export function progressBar(stream: NodeJS.WriteStream, format: string, total: number): SingleBar | null {
  if (!stream.isTTY) return null;
  const bar = new SingleBar({ stream, format, hideCursor: true });
  bar.start(total, 0);
  return bar;
}
