// What a delivery must not overtake: the older deliveries about the same number, or about its whole WABA. Each event
// gets an ordering key naming what the router acts on: a number event (name, quality, a messages batch: its journey,
// its identity records) `<wabaId>/<digits>`, anything else about the WABA (account_update goes to every journey of
// it, the cap to its portfolio; a field not routed today is kept in order all the same) `<wabaId>`. Two keys
// conflict when equal, or when one is a WABA's key and the other a number key of that WABA.
import type { WebhookEvent } from '../graph/webhooks.js';

/** `<wabaId>` (the whole WABA) or `<wabaId>/<digits>` (one of its numbers). */
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
 * Keys under the conflict rule, answering in constant time per key: the keys themselves, and how many number keys
 * each WABA has among them (so a WABA's key need not scan them).
 */
export class OrderKeySet {
  private readonly keys = new Set<OrderKey>();
  private readonly numbersOf = new Map<string, number>();

  add(key: OrderKey): void {
    if (this.keys.has(key)) return;
    this.keys.add(key);
    if (!isNumberKey(key)) return;
    const waba = wabaOfKey(key);
    this.numbersOf.set(waba, (this.numbersOf.get(waba) ?? 0) + 1);
  }

  /** Whether any of `keys` conflicts with one in the set. */
  conflicts(keys: readonly OrderKey[]): boolean {
    return keys.some((key) =>
      isNumberKey(key)
        ? this.keys.has(key) || this.keys.has(wabaOfKey(key))
        : this.keys.has(key) || (this.numbersOf.get(key) ?? 0) > 0,
    );
  }
}
