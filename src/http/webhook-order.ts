// Meta's order kept per WABA, not across customers: Meta sends a number's events through its WABA's entry, so a
// delivery that failed holds back only the later deliveries sharing a WABA (entry.id) with it; every other delivery
// is routed at once. The drain (./webhook-drain.ts) walks the inbox by id and asks this object, delivery by delivery,
// whether it waits.
//
// The backoff is per failed delivery, from its own count of attempts (1 s doubling up to 10 min): a WABA that just
// failed is tried again within a second, not after the long wait another WABA failing for an hour has earned.

export class WabaOrder {
  /** Failed deliveries by id, and when each is tried again. */
  private readonly held = new Map<number, number>();
  /** WABAs whose later deliveries wait: those of a held delivery, or of one that waits itself (in this walk). */
  private blocked = new Set<string>();
  /** The last delivery this walk looked at: what is received later has a larger id. */
  private cursor = 0;
  /** A walk from the oldest delivery is due (a held delivery's time came, or a dead letter is back). */
  private rewalk = false;
  /** The newest delivery any walk has looked at. */
  private newestSeen = 0;
  /** The newest delivery seen when this walk began from the oldest: once past it, this walk covered the inbox. */
  private coverUntil = 0;

  /** Where the next page of the walk starts; a walk from the oldest forgets what the last one blocked. */
  nextPageAfter(): number {
    if (this.rewalk) {
      this.rewalk = false;
      this.coverUntil = this.newestSeen;
      this.cursor = 0;
      this.blocked = new Set();
    }
    return this.cursor;
  }

  /**
   * Whether to walk from the oldest now, between two pages: a held delivery's time came, and this walk has covered
   * the inbox once. Starting over before that would never reach the newest deliveries when the walk is long (thousands
   * waiting behind one WABA) and the retries come often.
   */
  retryDueMidWalk(now: number): boolean {
    return this.cursor >= this.coverUntil && this.retryDue(now);
  }

  /** A held delivery's time has come. */
  retryDue(now: number): boolean {
    return (this.nextRetryAt() ?? Infinity) <= now;
  }

  /** Walk from the oldest delivery again, at the next page (not mid-page: a page's blocked WABAs stay blocked). */
  walkFromOldest(): void {
    this.rewalk = true;
  }

  /**
   * Whether this delivery waits: it is held until later, or shares a WABA with one held or waiting before it. One
   * that waits holds back each of its WABAs, so that no later delivery of any of them overtakes it.
   */
  waits(id: number, wabas: readonly string[], now: number): boolean {
    this.cursor = Math.max(this.cursor, id);
    this.newestSeen = Math.max(this.newestSeen, id);
    const retryAt = this.held.get(id);
    const behind = wabas.some((waba) => this.blocked.has(waba));
    // Its time came but it waits behind an older one: it is tried when that one is, not at a time of its own.
    if (behind && retryAt !== undefined && retryAt <= now) this.held.delete(id);
    const waits = behind || (retryAt !== undefined && retryAt > now);
    if (waits) for (const waba of wabas) this.blocked.add(waba);
    return waits;
  }

  /** It failed: tried again at `retryAt`, its WABAs held back until then. */
  hold(id: number, wabas: readonly string[], retryAt: number): void {
    this.held.set(id, retryAt);
    for (const waba of wabas) this.blocked.add(waba);
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
