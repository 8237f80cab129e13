// What a delivery must not overtake: the older deliveries about the same number, or about its whole WABA. Each event
// gets an ordering key naming what the router acts on: a number event (name, quality, a messages batch: its journey,
// its identity records) `<wabaId>/<digits>`; the cap, which goes to the WABA's portfolio and to none of its journeys,
// `cap:<wabaId>` (so a cap that cannot be routed holds back only the WABA's later caps, not its numbers' news);
// anything else about the WABA (account_update goes to every journey of it, or to the number it names; a field not
// routed today is kept in order all the same) `<wabaId>`. Two keys conflict when equal, or when one is a WABA's key
// and the other a number key of that WABA.
import type { WebhookEvent } from '../graph/webhooks.js';

/** `<wabaId>` (the whole WABA), `<wabaId>/<digits>` (one of its numbers) or `cap:<wabaId>` (its portfolio's cap). */
export type OrderKey = string;

/** Graph's ids are numeric: anything else names no WABA (and would go into a visibility query). */
export function isGraphId(id: string): boolean {
  return /^\d{1,32}$/.test(id);
}

/** A display_phone_number's digits, or null when they cannot be an E.164 number (at most 15 digits). */
export function numberDigits(displayPhoneNumber: string): string | null {
  const digits = displayPhoneNumber.replace(/\D/g, '');
  return /^\d{1,15}$/.test(digits) ? digits : null;
}

/** The WABA a key is about. */
export function wabaOfKey(key: OrderKey): string {
  const slash = key.indexOf('/');
  return slash < 0 ? key : key.slice(0, slash);
}

export function isNumberKey(key: OrderKey): boolean {
  return key.includes('/');
}

/**
 * A delivery's keys, one per target, in no particular order. An event with an id that is not Graph's routes nowhere
 * (the router refuses it) and needs none; a number event whose number cannot be one falls back to its WABA's key.
 */
export function orderKeys(events: readonly WebhookEvent[]): OrderKey[] {
  const keys = new Set<OrderKey>();
  for (const event of events) {
    if (!isGraphId(event.wabaId)) continue;
    if (event.field === 'business_capability_update') {
      keys.add(`cap:${event.wabaId}`);
      continue;
    }
    const display = displayNumberOf(event);
    const digits = display === undefined ? null : numberDigits(display);
    keys.add(digits === null ? event.wabaId : `${event.wabaId}/${digits}`);
  }
  return [...keys];
}

/** The number an event is about, when it is about one number only. */
function displayNumberOf(event: WebhookEvent): string | undefined {
  switch (event.field) {
    case 'phone_number_name_update':
    case 'phone_number_quality_update':
      return event.value.display_phone_number;
    case 'messages':
      return event.value.metadata.display_phone_number;
    default:
      return undefined;
  }
}

/**
 * The conflict rule: the keys `key` conflicts with — itself, a number key's WABA key, a WABA key's number keys (those
 * `numbersOf` knows). Lazily, so that a caller looking for any conflict stops at the first.
 */
export function* conflictingKeys(
  key: OrderKey,
  numbersOf: (waba: string) => Iterable<OrderKey>,
): Generator<OrderKey, void, undefined> {
  yield key;
  if (isNumberKey(key)) yield wabaOfKey(key);
  else yield* numbersOf(key);
}

/**
 * Keys under the conflict rule, answering in constant time per key: the keys themselves, and each WABA's number keys
 * among them (a WABA's key conflicts with the first of them, so it need not scan them).
 */
export class OrderKeySet {
  private readonly keys = new Set<OrderKey>();
  private readonly numbers = new Map<string, Set<OrderKey>>();

  add(key: OrderKey): void {
    if (this.keys.has(key)) return;
    this.keys.add(key);
    if (!isNumberKey(key)) return;
    const waba = wabaOfKey(key);
    const numbers = this.numbers.get(waba) ?? new Set<OrderKey>();
    this.numbers.set(waba, numbers.add(key));
  }

  /** Whether any of `keys` conflicts with one in the set. */
  conflicts(keys: readonly OrderKey[]): boolean {
    const numbersOf = (waba: string) => this.numbers.get(waba) ?? [];
    return keys.some((key) => {
      for (const other of conflictingKeys(key, numbersOf)) if (this.keys.has(other)) return true;
      return false;
    });
  }
}
