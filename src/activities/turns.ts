// Calls to one key (a portfolio) kept to a few in flight at once from this process; the others wait their turn
// in order. A key's queue is dropped once idle, so keys seen once cost nothing after.
import pLimit, { type LimitFunction } from 'p-limit';

export type InTurn = <T>(key: string, call: () => Promise<T>) => Promise<T>;

export function turnsPerKey(inFlight: number): InTurn {
  const queues = new Map<string, LimitFunction>();
  return <T>(key: string, call: () => Promise<T>): Promise<T> => {
    let queue = queues.get(key);
    if (!queue) queues.set(key, (queue = pLimit(inFlight)));
    const idle = (q: LimitFunction) => q.activeCount === 0 && q.pendingCount === 0;
    return queue(call).finally(() => {
      if (queues.get(key) === queue && idle(queue)) queues.delete(key);
    });
  };
}
