// The routing of one page of the inbox, several deliveries at once: each delivery follows the older ones of the page
// whose ordering keys conflict with its own (./webhook-keys.ts) and starts once they all settled, so a number's
// deliveries reach the router one after the other, in the inbox's order, while other numbers' go alongside.
import pLimit, { type LimitFunction } from 'p-limit';
import { conflictingKeys, isNumberKey, wabaOfKey, type OrderKey } from './webhook-keys.js';

/**
 * Hand-overs under way at once. Each waits mostly for its Temporal signal's round trip (tens of ms), so one at a time
 * caps the drain at a few tens of deliveries a second; 16 fill that wait without flooding the frontend with one
 * service's signals (the receiver still goes first: the drain paces itself per page while deliveries arrive).
 */
export const ROUTES_AT_ONCE = 16;

export class Lanes {
  /** The latest task of the page holding each key, until it settles. */
  private readonly tails = new Map<OrderKey, Promise<void>>();
  /** Per WABA, its number keys with a tail newer than the WABA key's own (a WABA's key follows each of them). */
  private readonly numberTails = new Map<string, Set<OrderKey>>();
  private readonly tasks: Promise<void>[] = [];
  private failure: { error: unknown } | null = null;
  /** The places, handed to waiting routes oldest first. */
  private readonly places: LimitFunction;

  constructor(limit = ROUTES_AT_ONCE) {
    this.places = pLimit(limit);
  }

  /**
   * Runs `task` once every older task with a conflicting key settled (at once when there is none). A task that
   * throws stops the page: the tasks not started yet are not run, and `settled` throws its error.
   */
  follow(keys: readonly OrderKey[], task: () => Promise<void>): void {
    const older = this.conflicting(keys);
    const run = async () => {
      if (older.length > 0) await Promise.all(older);
      if (this.failure) return;
      try {
        await task();
      } catch (error) {
        this.failure ??= { error };
      }
    };
    const done = run();
    this.tasks.push(done);
    this.become(keys, done);
  }

  /** Runs `route` in one of the `limit` places, waiting for one to be free. */
  inPlace<T>(route: () => Promise<T>): Promise<T> {
    return this.places(route);
  }

  /** A task threw: the page stops (see `follow`), and whoever books routings should stop starting them too. */
  get failed(): boolean {
    return this.failure !== null;
  }

  /** Every task of the page settled; throws the first error a task threw. */
  async settled(): Promise<void> {
    await Promise.all(this.tasks);
    if (this.failure) throw this.failure.error;
  }

  /** The tails a delivery with these keys follows: each key's own, a number's WABA's, a WABA's numbers'. */
  private conflicting(keys: readonly OrderKey[]): Promise<void>[] {
    const older = new Set<Promise<void>>();
    const numbersOf = (waba: string) => this.numberTails.get(waba) ?? [];
    for (const key of keys) {
      for (const other of conflictingKeys(key, numbersOf)) {
        const tail = this.tails.get(other);
        if (tail) older.add(tail);
      }
    }
    return [...older];
  }

  /** This task is now the tail of its keys; a WABA's key, following every number of it, stands for them all. */
  private become(keys: readonly OrderKey[], done: Promise<void>): void {
    for (const key of keys) {
      this.tails.set(key, done);
      const waba = wabaOfKey(key);
      if (!isNumberKey(key)) this.numberTails.delete(waba);
      else if (this.tails.get(waba) !== done) this.numberOf(waba).add(key);
    }
    void done.then(() => {
      for (const key of keys) {
        if (this.tails.get(key) !== done) continue;
        this.tails.delete(key);
        this.numberTails.get(wabaOfKey(key))?.delete(key);
      }
    });
  }

  private numberOf(waba: string): Set<OrderKey> {
    let numbers = this.numberTails.get(waba);
    if (!numbers) this.numberTails.set(waba, (numbers = new Set()));
    return numbers;
  }
}
