// The numberJourney's patches: its version history in one place. A run that asks `patched(id)` records the id in its
// history (a marker, and the TemporalChangeVersion search attribute), so an id never changes. Each comment says what
// runs from the patch on do, and what runs before it did (and replay so). Why a patch is asked where it is asked is
// said at the call site. A new patch goes here, and its id into test/unit/workflow-patches.test.ts.

// The workflow (number-journey.ts)

/** A journey started by hand with an input of the wrong shape ends at once, INPUT_INVALID; runs before went on. */
export const INPUT_CHECKED_PATCH = 'journey-input-checked';

/** A cancel accepted as the onboarding ended ends the journey cancelled; runs before went LIVE, told "cancelling". */
export const CANCEL_AT_LAST_STEP_PATCH = 'cancel-at-the-last-step-cancels';

// The journey's state and visibility (journey.ts)

/** A person's wait that no stage names shows in visibility (WaitingOn, WaitingSince); runs before it show none. */
export const PERSON_WAIT_PATCH = 'person-wait-search-attributes';

/**
 * A blocked removal shows its admin's wait in visibility (WaitingOn 'removal'), whatever else it waits for; runs
 * before showed none.
 */
export const REMOVAL_BLOCKED_WAIT_PATCH = 'removal-blocked-person-wait';

/**
 * A name decision Meta dated before the name was sent (an earlier request's, delivered late or again, up to 7 days
 * on) is noted and ignored; runs before let it settle the review.
 */
export const EARLIER_NAME_DECISION_PATCH = 'name-decision-before-the-request-ignored';

/**
 * A decision ignored as an earlier request's has Meta's status of the name read at once (Meta's clock may be minutes
 * behind Temporal's); runs before waited for the 12-hourly read for this request's decision.
 */
export const READ_AFTER_IGNORED_DECISION_PATCH = 'name-read-after-an-ignored-decision';

/**
 * A name decision Meta sent without a date (`undated`: dated by the receiving host's clock) is taken, never ignored as
 * an earlier request's; runs before (a worker from before, sent one by a newer receiver) ignored it by that date.
 */
export const UNDATED_NAME_DECISION_PATCH = 'undated-name-decision-taken';

/** A restriction whose expiration had passed when it came is only noted during a removal; runs before it blocked. */
export const LIFTED_RESTRICTION_PATCH = 'lifted-restriction-blocks-no-removal';

/**
 * A restriction that already blocked the removal, delivered again after an admin asked again (each replica has its
 * own inbox), is only noted; runs before were blocked again.
 */
export const RESTRICTION_ONCE_PATCH = 'restriction-delivered-again-blocks-no-removal';

/**
 * A restriction of adds or of business-initiated messages (a removal takes neither) is only noted during a removal;
 * runs before were blocked by it.
 */
export const OTHER_ACTION_RESTRICTION_PATCH = 'restriction-of-adds-or-sends-blocks-no-removal';

// Signals and updates (handlers.ts)

/**
 * An update that comes after Temporal's cancel is handled apart from it (onUpdate); runs before ran it in the
 * cancelled root scope, where its waits and calls failed at once though the journey acted on the input.
 */
export const UPDATES_OUTLIVE_CANCEL_PATCH = 'updates-outlive-temporal-cancel';

/**
 * A number event not of a shape the receiver sends, or a slot answer that is no object with `granted`, is noted and
 * dropped; runs before took whatever came.
 */
export const NUMBER_EVENTS_CHECKED_PATCH = 'number-events-checked';

/**
 * A number event whose date is no date is noted and dropped; runs before took it (a paid message's so waited for
 * ever).
 */
export const NUMBER_EVENT_DATES_PATCH = 'number-event-dates-checked';

/** A number event routed from another WABA than the journey's is ignored; runs before took it. */
export const NUMBER_EVENT_WABA_PATCH = 'number-event-waba-checked';

/**
 * A person's signal whose actor or reason breaks the update's rules (control characters, too long) is noted and
 * dropped; runs before took it. A signal without a reason is taken still (earlier APIs' cancel by signal sent none).
 */
export const SIGNAL_WORDS_CHECKED_PATCH = 'signal-words-checked-as-updates';

/**
 * A person's signal whose actor or reason holds half of a character (a surrogate without its pair, which the
 * updates refuse) is noted and dropped too; runs before took it.
 */
export const SIGNAL_WORDS_WHOLE_PATCH = 'signal-words-whole-characters';

/**
 * A deletion confirmation by signal leaves one already held alone (ignored); runs before took it in place of the held
 * one, whose update was then never answered (nor the run closed).
 */
export const CONFIRMATION_HELD_PATCH = 'confirmation-signal-leaves-held-one';

/** A name by signal that only the host rule before refused (Co.KG, Dr.Oz) is taken; runs before refused it. */
export const NAME_HOSTS_PATCH = 'name-host-rule-takes-abbreviations';

/** A resend by signal past the codes a journey asks for is ignored; runs before took it, and ended. */
export const RESEND_LIMIT_PATCH = 'resend-refused-at-the-code-limit';

// Waiting for capacity (capacity.ts)

/**
 * A slot request that fails for the WABA's token (a portfolio it starts reads Meta) waits for a token, and one Meta
 * refuses for good ends FAILED with Meta's answer; runs before failed their run there.
 */
export const SLOT_REQUEST_WAITS_PATCH = 'slot-request-waits-for-a-token';

/** A refusal at the cap told to a portfolio that is gone asks for a slot again (starting it); runs before failed. */
export const CAP_REFUSAL_TO_GONE_PORTFOLIO_PATCH = 'cap-refusal-to-a-gone-portfolio-asks-again';

// Adding or adopting the number (number.ts; limited.ts, which registration.ts and removal.ts ask too)

/** An add Meta refuses at its cap re-queues the journey; runs before ended FAILED there. */
export const CAP_REFUSAL_PATCH = 'add-refused-at-cap-requeues';

/** The last refusal at the cap tells the portfolio Meta's count, which lowers its cap; runs before ended without. */
export const LAST_CAP_REFUSAL_PATCH = 'last-cap-refusal-lowers-the-cap';

/** An adopted number follows the display name Meta has for it; runs before kept the name they were given. */
export const ADOPTED_NAME_PATCH = 'adopted-name-follows-meta';

/**
 * An adopted number whose name was given to replace Meta's (JourneyInput.replacesMetaName) asks Meta for it when Meta
 * has not approved its own; runs before followed Meta's name whatever they were given.
 */
export const GIVEN_NAME_PATCH = 'adopted-number-asks-for-the-given-name';

/**
 * A number Meta shows registered but limited (FLAGGED, RESTRICTED, RATE_LIMITED, BANNED) is taken as registered: no
 * code or register, no wait for CONNECTED, its slot kept at the end. Runs before verified and registered it again,
 * waited 7 days for CONNECTED, ended STAYS_PENDING and freed a slot Meta still counted.
 */
export const LIMITED_NUMBER_PATCH = 'limited-number-is-registered';

// Requesting and verifying the code (verification.ts)

/**
 * A resend taken in with the code that was then verified is noted as not asked for and let go; runs before answered it
 * "asking Meta for a new code", dropped it unsaid and held it (a later 133006 then asked for two codes at once).
 */
export const RESEND_AFTER_VERIFIED_PATCH = 'resend-dropped-once-verified';

/** Meta refusing the new code of a wait's end (136024) is waited out once, as a resend's is; runs before ended. */
export const REFUSED_NEW_CODE_PATCH = 'refused-new-code-waits-once';

/**
 * Meta refusing the journey's first code (136024: codes sent too often, by a journey before, say) is waited out
 * once too; runs before ended the journey at once.
 */
export const FIRST_CODE_REFUSED_PATCH = 'first-code-refused-waits-once';

/**
 * numberflow's own ask once more after such a refusal (of its own code, or of an operator's resend) comes an hour
 * later (codeRefusedWaitMs); runs before asked a code's wait later, which Meta's limit outlasted (refused, ended).
 */
export const REFUSED_CODE_WAITS_AN_HOUR_PATCH = 'refused-code-waits-an-hour';

/**
 * A resend Meta refused while numberflow waited to ask once more keeps that wait; runs before ended it at once on the
 * expired code, asked at once, were refused and ended FAILED.
 */
export const RESEND_KEEPS_ASKING_AGAIN_PATCH = 'refused-resend-keeps-asking-again';

/**
 * A code taken while it lasted that Meta refused as expired, having answered only after (the journey waited for a
 * token or out an outage), counts as no wrong attempt; runs before counted it, and could end.
 */
export const EXPIRED_WHILE_WAITING_PATCH = 'code-expired-while-waiting-not-counted';

/**
 * A code taken past its life that says it was submitted within it (Temporal holds an update while no worker runs)
 * is not counted as wrong either; runs before counted it.
 */
export const SUBMITTED_IN_TIME_PATCH = 'code-submitted-in-time-not-counted';

/**
 * A resend that meets Meta down or limiting gives up after a first short wait while the code sent before lasts
 * (resendCode); runs before waited it out in REQUESTING_CODE, and the new code voided the one that could be used.
 */
export const RESEND_OUTAGE_KEEPS_THE_CODE_PATCH = 'resend-during-an-outage-keeps-the-code';

/** A resend Meta refuses leaves the code sent before standing (resendCode); runs before ended FAILED. */
export const REFUSED_RESEND_PATCH = 'refused-resend-keeps-the-code';

// Registering (registration.ts)

/**
 * Meta's 133000 (an earlier deregistration did not finish) is cured by the journey itself, once: a deregister, then a
 * register; runs before ended FAILED, telling an operator to, which numberflow gave no way to do.
 */
export const INCOMPLETE_DEREGISTRATION_PATCH = 'register-finishes-an-incomplete-deregistration';

/**
 * The read before a repeated register is an activity of its own, retried on a blip; runs before read inside the
 * never-retried call, where one transient error cost an outage wait.
 */
export const GUARD_READ_PATCH = 'registration-guard-read-activity';

/**
 * The read before a repeated register that applies a name takes it as done only with the number registered; runs
 * before took the name shown (a number the 133000 cure had just deregistered went LIVE so).
 */
export const NAME_SHOWN_IS_NOT_REGISTERED_PATCH = 'register-applying-a-name-needs-the-number-registered';

/** On 133005 the register tries once the PIN an earlier journey of the number kept; runs before asked an operator. */
export const REMEMBERED_PIN_PATCH = 'register-tries-remembered-pin';

// Display names (display-name.ts)

/**
 * A number found on the WABA reads its name's status first, as an adopted one does (Meta sends no webhook for a name
 * it decided before); runs before waited for the webhook, up to the review's read.
 */
export const FOUND_NAME_READ_PATCH = 'found-number-reads-name-first';

/**
 * A refused new name in AWAITING_NEW_NAME is told to the operator and the wait goes on, to its deadline, for another
 * name; runs before ended the journey (FAILED, the number deregistered).
 */
export const REFUSED_NAME_WAITS_PATCH = 'refused-new-name-waits-for-another';

/**
 * A live number Meta makes verify again for a rename (133006) counts its codes and PINs afresh; runs before counted
 * them over the number's whole life (past 5 codes or 3 wrong ones, every such verification ended at once).
 */
export const RENAME_ROUND_PATCH = 'rename-verifies-afresh';

/**
 * The 14 days to register again after a name's approval run from Meta's date of it, as Meta counts them; runs before
 * ran them from when the journey took the approval (late, it registered after Meta's window had closed).
 */
export const RENAME_WINDOW_FROM_DECISION_PATCH = 'rename-window-from-meta-decision';

/**
 * The read of a pending name Meta shows as the number's name, with no new_name_status, takes name_status as its
 * status; runs before took no decision from such a read, only from Meta's webhook.
 */
export const REPLACED_NAME_READ_PATCH = 'name-read-takes-a-replaced-name';

/**
 * A read of the review's status that fails for what passes with time (Meta away, its rate limit) is noted and the
 * journey waits on; runs before ended the journey (a number in review failed and deregistered for an hour's outage).
 */
export const NAME_READ_FAILURE_WAITS_PATCH = 'failed-name-read-waits';

/**
 * An admin's removal of a live number stops a rename that registers it again; runs before refused the removal (not
 * LIVE) and a cancel (LIVE), so the number could be neither removed nor cancelled until the rename ended.
 */
export const REMOVAL_STOPS_RENAME_PATCH = 'removal-stops-a-live-rename';

/**
 * A rename that stops (its window missed, or ended by Meta) answers the code, PIN or resend held for its verification;
 * runs before left it unanswered (holding the live run) and a later rename's verification took the old code.
 */
export const RENAME_STOP_ANSWERS_PATCH = 'stopped-rename-answers-held-input';

/**
 * A name applied before the number went live, whose window closed after Meta's 133000 cure had deregistered the
 * number, ends the journey (NOT_REGISTERED_AGAIN); runs before went LIVE with the number deregistered.
 */
export const DEREGISTERED_RENAME_ENDS_PATCH = 'deregistered-rename-window-ends-the-journey';

// Live (live.ts) and its identity actions (identity-actions.ts)

/**
 * A name change or removal submitted while the run waits for its handlers before continuing as new is taken first;
 * runs before waited for every handler, and such an update was never answered nor the journey moved again.
 */
export const SUBMISSION_BEFORE_RUN_ENDS_PATCH = 'submission-taken-before-continue-as-new';

/**
 * A run does not continue as new in the workflow task that answered an update (a PIN reveal, the identity check, a
 * test message); runs before did, and the new run took the update again.
 */
export const NO_ANSWER_WITH_CONTINUE_AS_NEW_PATCH = 'no-continue-as-new-with-an-answer';

/**
 * A coexistence number the business disconnected for good ends its journey (REMOVED, its slot freed); runs before
 * stayed LIVE, sends paused and slot held, with nothing to end them once Meta denied numberflow's app the number.
 */
export const DISCONNECTION_ENDS_PATCH = 'coexistence-disconnection-ends-the-journey';

/** The live identity actions (identity check, test message: new commands); runs before had none. */
export const LIVE_IDENTITY_ACTIONS_PATCH = 'live-identity-actions';

// Removing (removal.ts)

/**
 * A deletion confirmed while the deregistration waits out Meta's register limit (133016: 72 hours) is looked at at
 * once, and the number gone ends the removal; runs before looked when the wait ended, the confirmation unanswered.
 */
export const DELETION_DURING_DEREGISTER_PATCH = 'deletion-confirmed-during-the-deregister-wait';

/** A removal gives the slot back once the number is deregistered; runs before only once the number was gone. */
export const SLOT_AT_DEREGISTER_PATCH = 'removal-gives-the-slot-back-once-deregistered';

/**
 * The paid-message block waited out ends an hour after 30 days from the last paid message heard of (the router tells
 * of them hourly at most); runs before waited the 30 days alone.
 */
export const PAID_BLOCK_MARGIN_PATCH = 'paid-message-block-with-the-hour-unheard';

/**
 * A coexistence number the business disconnected for good while its removal waits for the admin's deletion ends the
 * journey (DISCONNECTED_BY_BUSINESS); runs before waited for good, Meta no longer letting the app read it.
 */
export const DISCONNECTION_DURING_REMOVAL_PATCH = 'disconnection-ends-a-removal';

/**
 * The tidy-up reads Meta for a held slot whatever the run's flags say; runs before read only when their flags said
 * the number might be registered, and freed the slot of a number another journey had put live.
 */
export const TIDY_UP_READS_META_PATCH = 'tidy-up-reads-meta-whatever-the-flags';

/** The tidy-up never waits for a new token; runs before waited when Meta refused theirs, with no end. */
export const TIDY_UP_NO_TOKEN_WAIT_PATCH = 'tidy-up-never-waits-for-a-token';

// Meta calls and the journey's history (journey.ts, its first task; call-meta.ts, in-task-calls.ts, deadline.ts)

/**
 * The code is verified first as a local activity, inside the workflow task that takes it
 * (docs/journey.md#verifying-the-code); runs before verified by activity. Since FEWER_WRITES_PATCH, under its marker.
 */
export const VERIFY_IN_TASK_PATCH = 'verify-code-in-the-task';

/**
 * Fewer visibility writes (docs/journey.md#visibility-writes): one marker for the patches a new journey decides in its
 * first task (VERIFY_IN_TASK_PATCH, FEWER_EVENTS_PATCH), and a stage worked inside one task upserted only if the
 * journey waits in it; runs before replay by their own markers and upserts.
 */
export const FEWER_WRITES_PATCH = 'fewer-visibility-writes';

/**
 * The slot is asked for by update, and that ask and the add are local activities: a marker each instead of three
 * events and a task (docs/journey.md#history-per-journey); runs before asked by signal and activities. Since
 * FEWER_WRITES_PATCH, under its marker.
 */
export const FEWER_EVENTS_PATCH = 'slot-by-update-and-local-calls';

/** A call refused for its token waits for a new one; runs before failed the journey (no recorded history had one). */
export const TOKEN_WAIT_PATCH = 'wait-for-a-new-meta-token';

/**
 * A stored token the workers cannot open (its store key missing from NUMBERFLOW_STORE_KEY) is tried again by itself,
 * as putting the key back tells no journey; runs before waited for a new token only.
 */
export const STORE_KEY_RECHECK_PATCH = 'store-key-wait-tries-again';

/**
 * The journey's cancel reaching a deadline's timer before the work waits for the work (a register in flight is
 * answered, and undone by the tidy-up if it took); runs before ended at once.
 */
export const CANCEL_WAITS_FOR_WORK_PATCH = 'cancel-waits-for-the-work-under-a-deadline';
