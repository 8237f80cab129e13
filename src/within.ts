// A wait bounded in time: the work's own answer, or a failure saying it came too late. The work goes on (nothing
// here can stop it); the timer never outlives the race.

/** `work`'s answer if it comes within `ms`, else a rejection with `late` as its message. */
export async function within<T>(work: Promise<T>, ms: number, late: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const tooLate = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(late)), ms);
  });
  try {
    return await Promise.race([work, tooLate]);
  } finally {
    clearTimeout(timer);
  }
}
