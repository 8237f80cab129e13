// Counts in words, for messages people read. Workflow-safe.

/** "1 attempt", "2 attempts": the count and its noun, in the plural unless the count is one. */
export function plural(count: number | bigint, one: string): string {
  return `${String(count)} ${one}${count === 1 ? '' : 's'}`;
}

/** A request's reason as a note gives it, in brackets; one sent by hand through Temporal may have none. */
export function reasonWords(reason: unknown): string {
  return typeof reason === 'string' && reason.trim() !== '' ? ` (${reason})` : ' (no reason given)';
}
