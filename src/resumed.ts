// A sequence read again from its first item, taken already to learn something before going on (whether an export is
// refused, or empty, before an answer or a file is begun). Ending early lets the source go.

/** `first`, then the rest of `rest`; returning early returns `rest` too (an HTTP answer left open would hold a close). */
export async function* resumed<T>(first: IteratorResult<T>, rest: AsyncIterator<T>): AsyncGenerator<T> {
  try {
    for (let item = first; !item.done; item = await rest.next()) yield item.value;
  } finally {
    await rest.return?.();
  }
}
