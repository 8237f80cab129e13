// Reads a few items ahead of their consumer: each item of `source` is read (`read`) as it comes, with at most `width`
// read and not yet taken, and the results are yielded in the source's order. A read that fails fails the generator
// at its turn (the results before it are yielded first); a source that fails does so after the results of the items
// it gave. A consumer that stops early leaves the reads already started to finish, their results or failures dropped.
export async function* readAhead<T, R>(
  source: AsyncIterable<T>,
  width: number,
  read: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const items = source[Symbol.asyncIterator]();
  const ahead: Promise<R>[] = [];
  let finished = false;
  let sourceFailed: { err: unknown } | null = null;
  try {
    while (!finished) {
      try {
        const next = await items.next();
        if (next.done) break;
        const result = read(next.value);
        result.catch(() => undefined); // awaited in its turn; failing before then is not unhandled
        ahead.push(result);
      } catch (err) {
        sourceFailed = { err };
        finished = true; // a source that threw is done
        break;
      }
      if (ahead.length >= width) yield await (ahead.shift() as Promise<R>);
    }
    finished = true;
    while (ahead.length > 0) yield await (ahead.shift() as Promise<R>);
    if (sourceFailed) throw sourceFailed.err;
  } finally {
    // Stopped early, or a read failed, before the source was done: it is closed (its pages no longer read).
    if (!finished) await items.return?.();
  }
}
