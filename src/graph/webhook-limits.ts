// What a signed webhook may hold before numberflow reads it. The signature proves who sent a body, not that
// it is sane: sizes are checked on the parsed JSON before any schema walks it (a million-item array would
// otherwise cost a zod issue per item), and timestamps must fall in a plausible window (a status dated in the
// year 5138 would hold the paid-message block until then).
import type { z } from 'zod';

/** Meta batches at most 1,000 updates (docs/meta-graph-api.md#delivery): entries, changes, and the items of one change's arrays. */
export const WEBHOOK_MAX_ITEMS = 1_000;

/** WhatsApp launched its Business API after this (2010-01-01T00:00:00Z, unix seconds). */
const EARLIEST_SECONDS = 1_262_304_000;
/**
 * How far ahead of this receiver a change may be stamped. Meta's clock and ours agree within minutes; a year also
 * lets a sandbox whose clock was moved forward (days-long waits tried out) be heard, while a status dated centuries
 * ahead is refused. A paid message is never taken as later than now (the router clamps it).
 */
const MAX_FUTURE_MS = 366 * 24 * 60 * 60 * 1000;

/** Whether `seconds` (unix) is a time Meta could have stamped on a change received at `nowMs`. */
export function isPlausibleTime(seconds: number, nowMs: number): boolean {
  return Number.isFinite(seconds) && seconds >= EARLIEST_SECONDS && seconds * 1000 <= nowMs + MAX_FUTURE_MS;
}

/** The first array of `value`'s own properties longer than the cap, as "name (n items)", or null. */
export function oversizedArray(value: unknown, names: readonly string[]): string | null {
  if (typeof value !== 'object' || value === null) return null;
  for (const name of names) {
    const items: unknown = (value as Record<string, unknown>)[name];
    if (Array.isArray(items) && items.length > WEBHOOK_MAX_ITEMS) return `${name} (${items.length} items)`;
  }
  return null;
}

const MAX_ISSUES = 3;
const MAX_TEXT = 200;

/** Text for a log line: at most `max` characters, the cut marked. */
export function bounded(text: string, max = MAX_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} chars)`;
}

/** A zod error as a short line: the first few issues, each bounded, and how many more there were. */
export function boundedIssues(error: z.ZodError): string {
  const shown = error.issues
    .slice(0, MAX_ISSUES)
    .map((issue) => bounded(`${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`));
  const more = error.issues.length - shown.length;
  return more > 0 ? `${shown.join('; ')}; and ${more} more` : shown.join('; ');
}
