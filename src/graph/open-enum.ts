// Zod helpers shared by the Graph response schemas and the webhook schemas.
import { z } from 'zod';

/** A known value, or a value Meta added after this code was written (autocompletion keeps the known ones). */
export type OpenEnum<Known extends string> = Known | (string & Record<never, never>);

// Meta's enum values are identifiers (UPPER_SNAKE, or lower-case for message statuses).
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * Meta adds enum values without notice (OFFLINE, UNVERIFIED, NON_EXISTS …, docs/meta-graph-api.md#reading-a-number), and a read that
 * only informs a journey must not fail on one: any identifier passes, typed as the known values plus string.
 * A value that is not an identifier (a number, "", free text) still fails with zod's "Invalid option".
 */
export function openEnum<const Known extends readonly [string, ...string[]]>(
  known: Known,
): z.ZodType<OpenEnum<Known[number]>> {
  const values = new Set<string>(known);
  const message = `Invalid option: expected one of ${known.map((v) => JSON.stringify(v)).join('|')} or a new identifier`;
  return z.string({ error: message }).refine((v) => values.has(v) || IDENTIFIER.test(v), { error: message });
}

/** Graph sends some counts as numbers and some as strings ("TIER_2K", "2000"): keep what came. */
export const numberOrString = z.union([z.number(), z.string()]);

/** "data.0.status: Invalid option: …; paging.cursors: …" — names the field path, never the value. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
