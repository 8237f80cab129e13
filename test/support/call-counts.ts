// Figures read from the sandbox's call log, shared by the crash and fault-storm proofs and `npm run chaos`.
// The log records every Graph call the sandbox answered, injected faults included (with the injected error code),
// so "calls that reached Meta's logic" leave out the answers an injected error fault gave instead.
import type { CallLogEntry } from '../../src/sandbox/index.js';

/** Calls to an endpoint ending in `suffix` ('/register') about one number (its id in the path). */
export function callsFor(calls: readonly CallLogEntry[], suffix: string, phoneNumberId: string): CallLogEntry[] {
  return calls.filter((c) => c.endpoint.endsWith(suffix) && c.path.split('/').includes(phoneNumberId));
}

/** Calls the sandbox answered itself: not those an injected error fault answered (its codes are `injected`). */
export function reachedLogic(calls: readonly CallLogEntry[], injected: ReadonlySet<number>): CallLogEntry[] {
  return calls.filter((c) => c.errorCode === undefined || !injected.has(c.errorCode));
}

export const succeeded = (calls: readonly CallLogEntry[]): CallLogEntry[] =>
  calls.filter((c) => c.status >= 200 && c.status < 300);

/** Calls per endpoint ('POST /{phone-number-id}/register' → n), sorted by endpoint. */
export function callsPerEndpoint(calls: readonly CallLogEntry[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const c of calls) counts.set(c.endpoint, (counts.get(c.endpoint) ?? 0) + 1);
  return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
}
