// Meta's order kept per number, not across numbers or customers: an event acts on one number's journey (and identity
// records) or on its whole WABA, and nothing orders one target's events against another's. So a delivery that failed
// holds back only the later deliveries whose ordering keys (./webhook-keys.ts) conflict with its own — about the same
// number, or, for an event about the whole WABA, about any number of it; every other delivery is routed at once. The
// drain (./webhook-drain.ts) walks the inbox by id and asks this object, delivery by delivery, whether it waits.
//
// The backoff is per failed delivery, from its own count of attempts (1 s doubling up to 10 min): a number that just
// failed is tried again within a second, not after the long wait another one failing for an hour has earned.
import { OrderKeySet, type OrderKey } from './webhook-keys.js';

export class DeliveryOrder {
  /** Failed deliveries by id, and when each is tried again. */
  private readonly held = new Map<number, number>();
  /** Keys whose later deliveries wait: those of a held delivery, or of one that waits itself (in this walk). */
  private blocked = new OrderKeySet();
  /** The last delivery this walk looked at: what is received later has a larger id. */
  private cursor = 0;
  /** A walk from the oldest delivery is due (the first one, a held delivery's time came, or a dead letter is back). */
  private rewalk = true;
  /** The newest delivery any walk has looked at. */
  private newestSeen = 0;
  /** The newest delivery in the inbox when this walk began from the oldest: once past it, this walk covered the inbox. */
  private coverUntil = 0;

  /**
   * Where the next page of the walk starts; a walk from the oldest forgets what the last one blocked and covers what
   * the inbox holds as it begins (`newestInInbox`, asked then only): what earlier walks saw is not enough, as a walk
   * whose first page outlasts the failed delivery's backoff would start over after that page, again and again.
   */
  nextPageAfter(newestInInbox: () => number): number {
    if (this.rewalk) {
      this.rewalk = false;
      this.coverUntil = Math.max(this.newestSeen, newestInInbox());
      this.cursor = 0;
      this.blocked = new OrderKeySet();
    }
    return this.cursor;
  }

  /**
   * Whether to walk from the oldest now, between two pages: a held delivery's time came, and this walk has covered
   * the inbox once. Starting over before that would never reach the newest deliveries when the walk is long (thousands
   * waiting behind one number) and the retries come often.
   */
  retryDueMidWalk(now: number): boolean {
    return this.cursor >= this.coverUntil && this.retryDue(now);
  }

  /** A held delivery's time has come. */
  retryDue(now: number): boolean {
    return (this.nextRetryAt() ?? Infinity) <= now;
  }

  /** Walk from the oldest delivery again, at the next page (not mid-page: a page's blocked keys stay blocked). */
  walkFromOldest(): void {
    this.rewalk = true;
  }

  /**
   * Whether this delivery waits: it is held until later, or one of its keys conflicts with one of a delivery held or
   * waiting before it. One that waits holds back each of its keys, so that no later delivery overtakes it. Asked in
   * any order within a page, provided every older delivery with a conflicting key was answered (and, if it failed,
   * held) first: only those can make it wait.
   */
  waits(id: number, keys: readonly OrderKey[], now: number): boolean {
    this.cursor = Math.max(this.cursor, id);
    this.newestSeen = Math.max(this.newestSeen, id);
    const retryAt = this.held.get(id);
    const behind = this.blocked.conflicts(keys);
    // Its time came but it waits behind an older one: it is tried when that one is, not at a time of its own.
    if (behind && retryAt !== undefined && retryAt <= now) this.held.delete(id);
    const waits = behind || (retryAt !== undefined && retryAt > now);
    if (waits) for (const key of keys) this.blocked.add(key);
    return waits;
  }

  /** It failed: tried again at `retryAt`, its keys held back until then. */
  hold(id: number, keys: readonly OrderKey[], retryAt: number): void {
    this.held.set(id, retryAt);
    for (const key of keys) this.blocked.add(key);
  }

  /** It is out of the inbox (routed or dead-lettered). */
  release(id: number): void {
    this.held.delete(id);
  }

  /** When the first held delivery is due, or null when none is held. */
  nextRetryAt(): number | null {
    let next: number | null = null;
    for (const retryAt of this.held.values()) next = next === null ? retryAt : Math.min(next, retryAt);
    return next;
  }
}

/** The wait after a delivery's `attempts`-th failure: `firstMs` doubling, at most `maxMs`. */
export function backoffMs(attempts: number, firstMs: number, maxMs: number): number {
  return Math.min(maxMs, firstMs * 2 ** Math.min(Math.max(attempts - 1, 0), 20));
}
