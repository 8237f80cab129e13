// The portfolio's patches: its version history in one place. A run that asks `patched(id)` records the id in its
// history, so an id never changes. Each comment says what runs from the patch on do, and what runs before it did (and
// replay so); why a patch is asked where it is asked is said at the call site (portfolio.ts, book.ts). A new patch
// goes here, and its id into test/unit/workflow-patches.test.ts.

/** A moveToTaskQueue signal moves the portfolio to that task queue; runs before ignored it. */
export const MOVES_QUEUE_PATCH = 'portfolio-moves-queue';

/**
 * Journeys Meta refused at the cap wait at the head of the queue in the order they were let through (capRefused);
 * runs before put each first, so several refused at once waited in reverse.
 */
export const REFUSED_IN_ORDER_PATCH = 'cap-refused-keep-their-order';

/**
 * A reconciliation Meta refused (an expired token, a rate limit, a WABA gone) keeps the book and tries again at the
 * next one; runs before failed the whole portfolio, its queue and holders with it.
 */
export const RECONCILE_FAILURE_KEEPS_PATCH = 'failed-reconciliation-keeps-the-book';

/**
 * A release frees a slot only from the journey that holds it, and a later journey of a queued number takes its entry;
 * runs before freed a slot on any release of the number and kept the entry's journey as it was queued.
 */
export const RELEASE_MATCHES_JOURNEY_PATCH = 'release-matches-its-journey';

/**
 * A refusal at Meta's cap while the portfolio held fewer slots than Meta counts (numbers registered outside
 * numberflow) reads what Meta counts first; runs before let the head of the queue through again, to be refused again.
 */
export const LEARNS_COUNTED_NUMBERS_PATCH = 'cap-refusal-reads-what-meta-counts';

/**
 * A refusal at a cap a journey had before the portfolio took a higher cap from Meta's webhook leaves that cap; runs
 * before lowered it back (the queue waited with room at Meta).
 */
export const META_CAP_OVER_EARLIER_REFUSAL_PATCH = 'meta-cap-over-an-earlier-refusal';

/**
 * Meta's business_capability_update repeating the cap it announced last (a new WABA's webhook carries it unchanged)
 * leaves an admin's cap; runs before replaced it.
 */
export const ADMIN_CAP_STAYS_PATCH = 'admin-cap-stays-on-a-repeated-meta-cap';

/**
 * Meta's business_capability_update sent before the cap Meta gave last (delivered late, or again: Meta retries for
 * days) is noted and ignored; runs before replaced that cap.
 */
export const LATE_META_CAP_PATCH = 'late-meta-cap-ignored';

/**
 * A cap Meta sent 2 minutes or less before the one it gave last (the allowance for two clocks, where both dates are
 * Meta's) is ignored as late; runs before took it (delivered again after a restart, it undid a newer cap).
 */
export const META_TIMES_ORDER_CAPS_PATCH = 'meta-caps-ordered-by-meta-times';

/**
 * A signal the portfolio cannot read (sent by hand: no input, a field missing or of another type) is noted and
 * dropped; runs before failed its workflow task, and every one after.
 */
export const PORTFOLIO_SIGNALS_CHECKED_PATCH = 'portfolio-signals-checked';

/**
 * A journey waits in the queue ahead of those at its tail that started after it (a bulk import's rows ask minutes
 * apart); runs before queued in the order of the asks.
 */
export const QUEUE_BY_START_PATCH = 'queue-in-journey-start-order';

/**
 * A run continues as new once Temporal suggests it, carrying the answers still owed in its state for the next run
 * (a move carries them too); runs before waited until every owed answer was signalled, and grew to twice the length.
 */
export const CARRIES_OWED_ANSWERS_PATCH = 'portfolio-carries-owed-answers-across-continue-as-new';

/**
 * A journey that queued while a reconciliation looked at an earlier one of the same number (ended meanwhile) keeps
 * its place; runs before had the reconciliation's finding drop it, unknown to the journey for a day.
 */
export const RECONCILE_KEEPS_REQUEUED_PATCH = 'reconcile-keeps-a-journey-queued-since';
