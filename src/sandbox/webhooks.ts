// Meta's webhooks as the sandbox sends them (docs/meta-graph-api.md#webhooks): the WABA envelope, serialised the way Meta does
// (non-ASCII as lowercase \uXXXX), signed over exactly the bytes sent, POSTed one at a time in creation order, and
// retried with backoff when the receiver fails. Meta retries for days; the sandbox gives up after a few real-time
// attempts so tests can await `flush()` instead of sleeping — npm start's tries a given-up one again after a minute,
// then after waits doubling up to an hour, for a day.
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import { SIGNATURE_HEADER, signWebhookBody } from '../graph/signature.js';
import type { FaultBook } from './faults.js';

export interface WebhookEnvelope {
  object: 'whatsapp_business_account';
  entry: { id: string; time?: number; changes: { field: string; value: Record<string, unknown> }[] }[];
}

export interface WebhookDelivery {
  id: string;
  field: string;
  wabaId: string;
  payload: WebhookEnvelope;
  /** POSTs made, counting retries and a duplicate's second copy. */
  attempts: number;
  delivered: boolean;
  /** A duplicate_webhook fault sent it twice. */
  duplicated: boolean;
  /** A drop_webhook fault: never sent. */
  dropped: boolean;
  /** Every attempt failed, or there was no callback URL (and it was not held for one). */
  gaveUp: boolean;
  /** Why the last attempt failed; gone once it is delivered. */
  lastError?: string;
}

export interface WebhookOutboxOptions {
  appSecret: string;
  url?: string;
  faults: FaultBook;
  /** An override_callback_uri set through /subscribed_apps wins over the app's URL. */
  callbackFor: (wabaId: string) => string | undefined;
  maxAttempts: number;
  backoffMs: number;
  /**
   * A delivery made before any callback URL was set waits for one, as a reloaded one does, instead of being given
   * up: npm start's sandbox makes its demo account before the service listens. Until then every delivery waits (a
   * WABA's own callback URL too), so that they go in the order they were made.
   */
  holdUntilUrl?: boolean;
  /** Given-up deliveries are tried again after this, then after waits doubling (SandboxOptions). */
  retryGivenUpEveryMs?: number;
  logger?: Logger;
}

/** How long a given-up delivery is retried, and the longest wait between two tries (retryGivenUpEveryMs). */
const RETRIED_FOR_MS = 24 * 60 * 60 * 1000;
const RETRY_WAIT_AT_MOST_MS = 60 * 60 * 1000;

/** JSON with every non-ASCII UTF-16 unit escaped as lowercase \uXXXX, as Meta serialises webhook bodies. */
export function serializeLikeMeta(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u0080-\uffff]/g,
    (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export class WebhookOutbox {
  private readonly deliveries: WebhookDelivery[] = [];
  private lastId = 0;
  private kept = Infinity;
  private chain: Promise<void> = Promise.resolve();
  private readonly agent = new Agent({ keepAliveTimeout: 1_000, connect: { timeout: 5_000 } });
  private readonly stop = new AbortController();
  private url: string | undefined;
  /** Whether a callback URL was ever given: until then, with holdUntilUrl, a new delivery is held. */
  private urlGiven: boolean;
  /** Deliveries waiting for a callback URL (restored ones, and with holdUntilUrl, new ones until the first URL). */
  private held: WebhookDelivery[] = [];

  private readonly retrying: NodeJS.Timeout | undefined;

  constructor(private readonly options: WebhookOutboxOptions) {
    this.url = options.url;
    this.urlGiven = options.url !== undefined;
    const every = options.retryGivenUpEveryMs;
    if (every !== undefined) this.retrying = setInterval(() => this.retryGivenUp(), every).unref();
  }

  /** Each given-up delivery's next try, and how long it has been retried (in memory: a start sends them again). */
  private readonly retries = new Map<string, { nextAt: number; waitMs: number; since: number }>();
  /** Deliveries sent again with one attempt each, not a round. */
  private readonly onceMore = new Set<string>();
  /** Deliveries in the chain, queued or under way: retries wait until it is idle, behind no new webhook. */
  private inChain = 0;

  /**
   * A given-up delivery (every attempt failed) is tried once more, its waits doubling up to an hour, and for a day
   * at most, as Meta retries with growing delays and then stops; only while no other delivery is under way.
   */
  private retryGivenUp(): void {
    const every = this.options.retryGivenUpEveryMs;
    if (every === undefined || this.inChain > 0) return;
    const now = Date.now();
    for (const delivery of this.deliveries) {
      if (!delivery.gaveUp || delivery.delivered || delivery.dropped || !this.urlFor(delivery.wabaId)) continue;
      const retry = this.retries.get(delivery.id) ?? { nextAt: now, waitMs: every, since: now };
      this.retries.set(delivery.id, retry);
      if (now < retry.nextAt || now - retry.since > RETRIED_FOR_MS) continue;
      retry.nextAt = now + retry.waitMs;
      retry.waitMs = Math.min(retry.waitMs * 2, RETRY_WAIT_AT_MOST_MS);
      this.onceMore.add(delivery.id);
      this.restoreOne(delivery);
    }
  }

  setUrl(url: string | undefined): void {
    this.url = url;
    this.urlGiven = true;
    // In the order they were made, whichever way each came to be held (reloaded, or made before the first URL).
    const held = this.held.sort((a, b) => Number(a.id) - Number(b.id));
    this.held = [];
    for (const delivery of held) this.restoreOne(delivery);
  }

  /** The app's callback URL (the override for a WABA, if any, wins). */
  urlFor(wabaId?: string): string | undefined {
    return (wabaId === undefined ? undefined : this.options.callbackFor(wabaId)) ?? this.url;
  }

  /** Queues one change for a WABA. `time` (unix seconds) goes on account-level fields; messages omit it (docs/meta-graph-api.md#envelope). */
  send(wabaId: string, field: string, value: Record<string, unknown>, time?: number): WebhookDelivery {
    const entry =
      time === undefined
        ? { id: wabaId, changes: [{ field, value }] }
        : { id: wabaId, time, changes: [{ field, value }] };
    const fault = this.options.faults.forWebhook(field);
    const delivery: WebhookDelivery = {
      id: String(++this.lastId),
      field,
      wabaId,
      payload: { object: 'whatsapp_business_account', entry: [entry] },
      attempts: 0,
      delivered: false,
      duplicated: fault === 'duplicate',
      dropped: fault === 'drop',
      gaveUp: false,
    };
    this.deliveries.push(delivery);
    this.forgetOldest();
    this.enqueue(delivery);
    return delivery;
  }

  /**
   * Keeps only the latest `count` deliveries from now on (a persisted sandbox): the oldest delivered or dropped go;
   * one still to go — queued, retried, held for a callback URL, or given up and sent again at the next start — stays.
   */
  keepLatest(count: number): void {
    this.kept = count;
    this.forgetOldest();
  }

  private forgetOldest(): void {
    let over = this.deliveries.length - this.kept;
    if (over <= 0) return;
    const kept = this.deliveries.filter((d) => !(d.delivered || d.dropped) || over-- <= 0);
    this.deliveries.splice(0, this.deliveries.length, ...kept);
  }

  /**
   * Deliveries read back from a persisted sandbox. One not delivered (pending when the process stopped, or given
   * up) is sent again, as Meta keeps retrying for days; a dropped one stays lost. Without a callback URL yet (npm
   * start sets the service's once it listens, after the sandbox started) it waits for one instead of being given up.
   */
  restore(deliveries: readonly WebhookDelivery[]): void {
    for (const saved of deliveries) {
      const delivery = structuredClone(saved);
      this.lastId = Math.max(this.lastId, Number(delivery.id) || 0);
      this.deliveries.push(delivery);
      if (!delivery.delivered && !delivery.dropped) this.restoreOne(delivery);
    }
  }

  private restoreOne(delivery: WebhookDelivery): void {
    delivery.gaveUp = false;
    if (this.urlFor(delivery.wabaId)) this.enqueue(delivery);
    else this.held.push(delivery);
  }

  private enqueue(delivery: WebhookDelivery): void {
    if (!delivery.dropped) {
      this.inChain += 1;
      // deliver() handles its own failures; the catch only keeps one surprise from blocking every later webhook.
      this.chain = this.chain
        .then(() => this.deliver(delivery))
        .then(() => this.forgetOldest()) // settled: it may go now
        .catch((err: unknown) => {
          delivery.gaveUp = true;
          this.options.logger?.error({ err, webhook: delivery.id }, 'sandbox webhook delivery failed');
        })
        .finally(() => {
          this.inChain -= 1;
          if (delivery.delivered) this.retries.delete(delivery.id);
        });
    }
  }

  list(): WebhookDelivery[] {
    return this.deliveries.map((d) => structuredClone(d));
  }

  /** Resolves once every queued webhook was delivered or given up, including ones queued while waiting. */
  async flush(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.chain;
      await current;
    } while (current !== this.chain);
  }

  async close(): Promise<void> {
    clearInterval(this.retrying);
    this.stop.abort();
    await this.flush();
    await this.agent.destroy();
  }

  private async deliver(delivery: WebhookDelivery): Promise<void> {
    const url = this.urlFor(delivery.wabaId);
    // Every one, even a WABA's with a callback URL of its own: held ones are sent in the order they were made.
    if (this.options.holdUntilUrl && !this.urlGiven) {
      this.held.push(delivery);
      return;
    }
    if (!url) {
      delivery.gaveUp = true;
      delivery.lastError = 'no callback URL';
      return;
    }
    const body = serializeLikeMeta(delivery.payload);
    const signature = signWebhookBody(body, this.options.appSecret);
    for (let copy = 0; copy < (delivery.duplicated ? 2 : 1); copy++) {
      if (!(await this.post(delivery, url, body, signature))) break;
    }
    this.options.logger?.debug(
      { webhook: delivery.id, field: delivery.field, attempts: delivery.attempts, delivered: delivery.delivered },
      'sandbox webhook',
    );
  }

  private async post(delivery: WebhookDelivery, url: string, body: string, signature: string): Promise<boolean> {
    const { backoffMs } = this.options;
    const maxAttempts = this.onceMore.delete(delivery.id) ? 1 : this.options.maxAttempts;
    for (let attempt = 1; attempt <= maxAttempts && !this.stop.signal.aborted; attempt++) {
      delivery.attempts++;
      try {
        const response = await request(url, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature },
          dispatcher: this.agent,
          signal: this.stop.signal,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        await response.body.dump();
        if (response.statusCode >= 200 && response.statusCode < 300) {
          delivery.delivered = true;
          delete delivery.lastError;
          return true;
        }
        delivery.lastError = `HTTP ${response.statusCode}`;
      } catch (err) {
        delivery.lastError = err instanceof Error ? err.message : String(err);
      }
      if (attempt < maxAttempts) {
        await delay(backoffMs * 2 ** (attempt - 1), undefined, { signal: this.stop.signal }).catch(() => undefined);
      }
    }
    delivery.gaveUp = true;
    return false;
  }
}
