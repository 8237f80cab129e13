// The customerIdentity workflow's patches: its version history in one place. A run that asks `patched(id)` records
// the id in its history, so an id never changes. Each comment says what runs from the patch on do, and what runs
// before it did (and replay so). A new patch goes here, and its id into test/unit/workflow-patches.test.ts.

/** A signal whose input is not of its shape is noted and dropped; runs before took it. */
export const IDENTITY_SIGNALS_CHECKED_PATCH = 'identity-signals-checked';

/**
 * A confirmation no send makes use of lapses after CONFIRMATION_WINDOW_MS and the run ends; runs before waited for
 * the new hash for ever (a number removed, a customer never written to again).
 */
export const CONFIRMATION_LAPSES_PATCH = 'identity-confirmation-lapses';
