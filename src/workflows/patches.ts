// The patches every workflow may decide: those of the interceptor module all of them run (undecryptable-guard.ts).
// Each workflow's own are in its registry: journey/patches.ts (numberJourney), portfolio/patches.ts (portfolio),
// identity/patches.ts (customerIdentity). A run that asks `patched(id)` records the id in its history, so an id never
// changes; each comment says what runs from the patch on do, and what runs before it did (and replay so).

/** A signal that came with a secret in clear is dropped; runs before took it. */
export const SECRETS_IN_CLEAR_PATCH = 'secrets-in-clear-dropped';
