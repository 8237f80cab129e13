// Calls to one key (a portfolio) kept to a few in flight at once from this process; the others wait their turn in
// order, each only as long as it could still start in time (its deadline less `minLeftMs`): a call whose turn has
// not come by then is never made. A key's queue is dropped once no call of it is under way or waiting.
import pLimit, { type LimitFunction } from 'p-limit';

/** A call whose turn did not come before its deadline (or with too little of it left to be worth making). */
export class TurnMissed extends Error {
  constructor() {
    super('no turn within the deadline');
    this.name = 'TurnMissed';
  }
}

export interface Turns {
  /** Runs `call` in its turn for `key`, if that turn starts at least `minLeftMs` before `deadline`. */
  run<T>(key: string, deadline: number, call: () => Promise<T>): Promise<T>;
  /** Keys with a call under way or waiting. */
  readonly size: number;
}

/** Node's longest timer (about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function turnsPerKey(inFlight: number, minLeftMs = 0): Turns {
  if (!Number.isInteger(inFlight) || inFlight < 1) throw new RangeError('inFlight must be a positive integer');
  const queues = new Map<string, { limit: LimitFunction; calls: number }>();
  return {
    get size() {
      return queues.size;
    },
    run<T>(key: string, deadline: number, call: () => Promise<T>): Promise<T> {
      if (!Number.isFinite(deadline)) throw new RangeError('deadline must be a time in milliseconds');
      let queue = queues.get(key);
      if (!queue) queues.set(key, (queue = { limit: pLimit(inFlight), calls: 0 }));
      queue.calls += 1;
      const ours = queue;
      let state: 'waiting' | 'started' | 'missed' = 'waiting';
      let giveUp: (missed: TurnMissed) => void = () => {};
      const missed = new Promise<never>((_, reject) => (giveUp = reject));
      // Past this, the call would not be made even if its turn came: its caller need not wait longer.
      const lastStart = deadline - minLeftMs;
      const timer = setTimeout(
        () => {
          if (state !== 'waiting') return;
          state = 'missed';
          giveUp(new TurnMissed());
        },
        Math.min(Math.max(0, lastStart - Date.now()), MAX_TIMER_MS),
      );
      const turn = ours.limit(async () => {
        try {
          const left = deadline - Date.now();
          if (state === 'missed' || left <= 0 || left < minLeftMs) throw new TurnMissed();
          state = 'started'; // from here the call ends by its own deadline, never by TurnMissed
          clearTimeout(timer);
          return await call();
        } finally {
          clearTimeout(timer);
          ours.calls -= 1;
          if (ours.calls === 0 && queues.get(key) === ours) queues.delete(key);
        }
      });
      // The race handles a rejection too; this says so for a missed turn dequeued after its caller was answered.
      turn.catch(() => undefined);
      return Promise.race([turn, missed]);
    },
  };
}
