// Graph calls this process made, by what they ask: a call still on its way is joined by the same call made again
// (a local activity run again at its first attempt, the activity taking over), and one Meta answered a moment ago is
// answered again to a repeat. The in-task verify lets go of its call after IN_TASK_VERIFY_BUDGET and the activity
// taking over repeats it: sent again, a wrong code would cost two of Meta's attempts, counted once by the journey.
// Keys hold what the call carries (a code): process memory only, never logged, forgotten past `rememberMs` at the
// next call made or answer kept.

export interface CallsInFlight<T> {
  /** The same call under way in this process, if any. */
  underWay(key: string): Promise<T> | undefined;
  /** Meta's answer to the same call, if one settled here within `rememberMs` and `kept` it. */
  answered(key: string): Promise<T> | undefined;
  /** Makes the call, known under `key` until it settles (and, if `kept`, for `rememberMs` after). */
  send(key: string, call: () => Promise<T>): Promise<T>;
}

export interface Remembering {
  /** How long a settled answer is kept for a repeat. */
  rememberMs: number;
  /** Which outcomes are Meta's answer to keep: a transport failure says nothing of what Meta did. */
  kept: (outcome: { ok: true } | { ok: false; err: unknown }) => boolean;
  /** At most this many kept answers; the oldest go first. */
  max: number;
  now?: () => number;
}

export function callsInFlight<T>({ rememberMs, kept, max, now = Date.now }: Remembering): CallsInFlight<T> {
  const inFlight = new Map<string, Promise<T>>();
  // In the order they settled: the oldest first, for the bound.
  const settled = new Map<string, { answer: Promise<T>; at: number }>();
  // The oldest first: past the bound, or past their time.
  const forgetPast = () => {
    for (const [oldest, { at }] of settled) {
      if (settled.size <= max && now() - at < rememberMs) break;
      settled.delete(oldest);
    }
  };
  const keep = (key: string, answer: Promise<T>) => {
    settled.delete(key);
    settled.set(key, { answer, at: now() });
    forgetPast();
  };
  return {
    underWay: (key) => inFlight.get(key),
    answered(key) {
      const hit = settled.get(key);
      if (!hit) return undefined;
      if (now() - hit.at < rememberMs) return hit.answer;
      settled.delete(key);
      return undefined;
    },
    send(key, call) {
      forgetPast(); // a quiet worker keeps no code past its time
      const sent = call();
      inFlight.set(key, sent);
      const done = (outcome: { ok: true } | { ok: false; err: unknown }) => {
        if (inFlight.get(key) === sent) inFlight.delete(key);
        if (kept(outcome)) keep(key, sent);
      };
      sent.then(
        () => done({ ok: true }),
        (err: unknown) => done({ ok: false, err }),
      );
      return sent;
    },
  };
}
