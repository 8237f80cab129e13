// Reads a few items ahead of their consumer: each item of `source` is read (`read`) as soon as fewer than `width`
// reads are under way, and the results are yielded in the source's order. A read that fails fails the generator at
// its turn (not before: the results ahead of it are yielded first); a consumer that stops early leaves at most the
// reads already started to finish, their results or failures dropped.
import pLimit from 'p-limit';

export async function* readAhead<T, R>(
  source: AsyncIterable<T>,
  width: number,
  read: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const limit = pLimit(width);
  const ahead: Promise<R>[] = [];
  const start = (item: T) => {
    const result = limit(() => read(item));
    result.catch(() => undefined); // awaited in its turn; failing before then is not unhandled
    ahead.push(result);
  };
  try {
    for await (const item of source) {
      start(item);
      if (ahead.length >= width) yield await (ahead.shift() as Promise<R>);
    }
    while (ahead.length > 0) yield await (ahead.shift() as Promise<R>);
  } finally {
    limit.clearQueue(); // not started: never will be
  }
}
