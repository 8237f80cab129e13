// The forms that fit a journey's stage, for a principal that may act: the code (and a resend), the PIN, a new
// display name (none while a change is under review), a cancel before LIVE, on a live number the identity-change
// check on or off and the test message, a removal (admins; once under way, again only when Meta blocked it) and the
// deletion confirmation while removing (not while the removal is blocked or Meta's paid-message block runs), the
// PIN's read-back (admins, once numberflow set one). Codes and PINs are never written back into a form: a refused one
// leaves the field empty; a refused name keeps what was typed.
import { displayNameWords } from '../../../domain/display-name-words.js';
import { DISPLAY_NAME_MAX } from '../../../domain/display-name.js';
import { CLOCKS_APART_MS } from '../../../domain/events.js';
import { CHOOSING_PIN, codeLastsFrom, REMOVAL_BLOCKED, type JourneyView } from '../../../domain/journey.js';
import { journeyPolicy } from '../../../domain/policy.js';
import { journeyStages } from '../../../domain/stages.js';
import { journeyActions, type JourneyAction } from '../../api/actions.js';
import { holdsAny, permissions, type Principal } from '../../auth/principals.js';
import { CSRF_FIELD } from '../csrf.js';
import { JOURNEY_FIELD, SUBMISSION_FIELD } from '../submission.js';
import { html, type Html } from '../html.js';
import { time } from '../labels.js';
import { actionName, actionPath } from '../paths.js';
import type { PageContext } from './layout.js';

/**
 * What a refused submission had in it that is shown again (never a code or a PIN), and which field the refusal was
 * about: that control is marked invalid and described by the outcome, so a screen reader tells it with the field.
 */
export interface Kept {
  /** The refused form's action path (`otp`, `cancel`, …, or a customer's confirmation): only its fields are kept. */
  action?: string;
  /** The field the refusal was about, by its name in the form. */
  invalid?: string;
  displayName?: string;
  /** The test message's recipient and text. */
  to?: string;
  text?: string;
  /** A cancel's or a removal's reason, or a customer confirmation's note and method. */
  reason?: string;
  note?: string;
  method?: string;
}

/** The render's submission id, which a form's update id is made of: posted again by a reload, it acts once. */
export const submissionInput = (context: PageContext): Html =>
  html`<input type="hidden" name="${SUBMISSION_FIELD}" value="${context.submission}" autocomplete="off" />${
      context.journey === undefined
        ? ''
        : html`<input type="hidden" name="${JOURNEY_FIELD}" value="${context.journey}" autocomplete="off" />`
    }`;

/** The outcome's id (pages/journey.ts): what an invalid field is described by first. */
const OUTCOME_ID = 'outcome';

/** A control's description, and `aria-invalid` when the refusal of its form was about it. */
export function described(kept: Kept, action: string, name: string, help?: string): Html {
  const invalid = kept.action === action && kept.invalid === name;
  const ids = [invalid ? OUTCOME_ID : null, help ?? null].filter((id) => id !== null).join(' ');
  return html`${invalid ? html` aria-invalid="true"` : null}${ids ? html` aria-describedby="${ids}"` : null}`;
}

/** What the refused form `action` had in `name`, or nothing for another form's fields. */
export function keptValue(kept: Kept, action: string, name: 'displayName' | 'to' | 'text' | 'reason' | 'note'): string {
  return kept.action === action ? (kept[name] ?? '') : '';
}

/** The stages an onboarding can be cancelled in: every one before LIVE. */
const notYetLive: readonly string[] = journeyStages.slice(0, journeyStages.indexOf('LIVE'));

/** A name Meta has not decided on yet: the journey refuses another ("a display-name change is already under way"). */
const nameUnderReview = (view: JourneyView) => view.displayName.pending !== null;

/**
 * A removal Meta blocked waits for an admin to request it again: the one time a journey in REMOVING takes a removal
 * (handlers.ts, removalRefusal), also while it waits for something else (the paid-message block). A view from a
 * worker before the field says it by its wait's reason (removal.ts, `unblocked`).
 */
const removalBlocked = (view: JourneyView) =>
  view.stage === 'REMOVING' &&
  ((view.removalBlocked ?? null) !== null ||
    (view.waiting?.for === 'admin' && view.waiting.reason.startsWith(REMOVAL_BLOCKED)));

/**
 * Where a deadline of the journey's stands by this host's clock, which may not be Temporal's or Meta's: within
 * CLOCKS_APART_MS of it the page says neither side (a host minutes ahead showed a valid code expired, and its advice
 * spent one of the five codes).
 */
function sideOf(deadline: number, now = Date.now()): 'before' | 'about now' | 'after' {
  if (deadline - now > CLOCKS_APART_MS) return 'before';
  return now - deadline > CLOCKS_APART_MS ? 'after' : 'about now';
}

/**
 * The end of Meta's paid-message block while it may run: the journey refuses a deletion confirmation until then (by
 * Temporal's clock), so the page says when, and offers the confirmation beside it once within CLOCKS_APART_MS of it
 * (a page on a host behind offered none for minutes, beside a wait that asked for it); well before it, none.
 */
const deletionRefusedUntil = (view: JourneyView): { at: string; offered: boolean } | null => {
  const at = view.deadlines.deletionAllowedAt;
  if (at === null) return null;
  const side = sideOf(Date.parse(at));
  return side === 'after' ? null : { at, offered: side === 'about now' };
};

/** What the deletion's forms are made for: the refusal said, with the confirmation or without it. */
function deletionRefused(view: JourneyView): string | null {
  const refused = deletionRefusedUntil(view);
  if (refused === null) return null;
  return refused.offered ? 'deletion-refused-about-now' : 'deletion-refused';
}

/** The PIN asked for is one the operator chooses (pinPolicy operator), not the one Meta holds already (133005). */
export const choosingPin = (view: JourneyView) =>
  view.stage === 'AWAITING_PIN' && view.waiting?.reason.startsWith(CHOOSING_PIN) === true;

const canAskCode = (view: JourneyView) => view.attempts.codeRequests < journeyPolicy.maxCodeRequests;

/** A live rename registers the number again (a new verification may wait days for a code): a removal stops it. */
const liveRename = (view: JourneyView) => view.wentLive === true && notYetLive.includes(view.stage);

/** What to do once no new code can be asked for: a live number is never cancelled, its rename stops instead. */
const startOver = (view: JourneyView) =>
  liveRename(view) ? 'let the display-name change stop and submit the name again' : 'cancel and start again';

/**
 * What the forms were made for: the stage, and what else changes them within it. The actions section carries it
 * (data-stage), and the live script replaces the forms when it changes.
 */
export function formsState(view: JourneyView): string {
  const within = [
    nameUnderReview(view) && 'name-under-review',
    removalBlocked(view) && 'removal-blocked',
    deletionRefused(view),
    liveRename(view) && 'live-rename',
    // Meta's refusal of a chosen PIN (133005) asks for its own: the form changes within the stage.
    view.stage === 'AWAITING_PIN' && (choosingPin(view) ? 'pin-new' : 'pin-current'),
  ];
  // The counts the forms' help says: a wrong code from elsewhere updates them (the live script keeps what is typed).
  const counts = view.stage === 'AWAITING_OTP' && `codes-${view.attempts.wrongCodes}-${view.attempts.codeRequests}`;
  return [view.stage, ...within.filter(Boolean), counts].filter(Boolean).join(' ');
}

export function actionForms(context: PageContext, principal: Principal, view: JourneyView, kept: Kept): Html[] {
  if (view.result) return [html`<p>The journey has ended: there is nothing left to do on it.</p>`];
  if (!holdsAny(principal, permissions.operate)) {
    return [
      html`<p>Your roles (${principal.roles.join(', ')}) read journeys; acting needs the operator or admin role.</p>`,
    ];
  }
  const form = (
    action: Pick<JourneyAction, 'path'>,
    fields: Html,
    button: string,
    style: 'primary' | 'danger' = 'primary',
  ) =>
    // Named by its button: a screen reader's list of forms (landmarks) goes straight to one.
    html`<form
      method="post"
      action="${actionPath(view.e164, action.path)}"
      class="stack action ${style}"
      aria-label="${button}"
    >
      <input type="hidden" name="${CSRF_FIELD}" value="${context.csrf(actionName(view.e164, action.path))}" />
      ${
        // Not the PIN's read-back: posted again, it reads the PIN back again, a new read-back noted as such.
        action.path === PIN_REVEAL ? null : submissionInput(context)
      }
      ${fields}
      <button type="submit">${button}</button>
    </form>`;
  const stage = view.stage;
  const forms: Html[] = [];
  if (stage === 'AWAITING_OTP') {
    forms.push(form(journeyActions.otp, codeFields(view, kept), 'Submit the code'));
    forms.push(
      canAskCode(view)
        ? form(journeyActions.resend, resendFields(view, kept), 'Send a new code')
        : html`<p class="help">
            ${journeyPolicy.maxCodeRequests} of ${journeyPolicy.maxCodeRequests} codes have been requested, the most a
            journey asks for: submit the latest code, or ${startOver(view)}.
          </p>`,
    );
  }
  if (stage === 'AWAITING_PIN') forms.push(form(journeyActions.pin, pinFields(view, kept), 'Submit the PIN'));
  if (stage === 'AWAITING_NEW_NAME' || stage === 'LIVE') {
    forms.push(
      nameUnderReview(view)
        ? nameUnderReviewNote(view)
        : form(journeyActions.displayName, nameFields(view, kept), 'Submit the name'),
    );
  }
  if (stage === 'LIVE') {
    const on = view.identityCheck === 'on';
    forms.push(
      form(journeyActions.identityCheck, identityCheckFields(on), `Turn the identity check ${on ? 'off' : 'on'}`),
    );
    forms.push(form(journeyActions.testMessage, testMessageFields(kept), 'Send the test message'));
  }
  const administers = holdsAny(principal, permissions.administer);
  if (administers && view.pinSet === true) {
    forms.push(form({ path: PIN_REVEAL }, pinRevealFields(kept), 'Read back the PIN'));
  }
  if (stage === 'REMOVING') {
    if (!removalBlocked(view)) {
      forms.push(
        html`<p>
          The removal is under way: it ends once Meta no longer shows the number. It is requested again only if Meta
          blocks it.
        </p>`,
      );
    }
    const refusedUntil = deletionRefusedUntil(view);
    if (refusedUntil) {
      forms.push(
        html`<p>
          Meta refuses to delete the number until ${time(refusedUntil.at, { seconds: true })}, 30 days after its last
          paid message (with an hour's margin): delete it in WhatsApp Manager from then on, then confirm it here.
        </p>`,
      );
    }
    if (!removalBlocked(view) && (!refusedUntil || refusedUntil.offered)) {
      const confirm = html`<p>Once a portfolio admin has deleted the number in WhatsApp Manager, confirm it here.</p>`;
      forms.push(form(journeyActions.deletionConfirmation, confirm, 'Confirm the deletion'));
    }
  }
  const renaming = liveRename(view);
  if (renaming) {
    forms.push(
      html`<p>
        The number is live: a display-name change registers it again, and it still sends. It cannot be cancelled; an
        admin's removal stops the change (unless its register has gone through already) and removes the number.
      </p>`,
    );
  }
  if ((stage === 'LIVE' || renaming) && administers) {
    forms.push(form(journeyActions.removal, removalFields(kept), 'Request removal', 'danger'));
  }
  if (removalBlocked(view)) {
    forms.push(
      administers
        ? form(journeyActions.removal, blockedRemovalFields(kept), 'Request the removal again', 'danger')
        : html`<p>The removal is blocked: once the block is resolved, an admin requests the removal again here.</p>`,
    );
  }
  if (notYetLive.includes(stage) && !renaming) {
    const fields = reasonFields(kept, 'cancel', 'Why cancel');
    forms.push(form(journeyActions.cancel, fields, 'Cancel the onboarding', 'danger'));
  }
  return forms;
}

function codeFields(view: JourneyView, kept: Kept): Html {
  const wrong = view.attempts.wrongCodes;
  return html`<label for="code">Code Meta sent by ${view.codeMethod === 'VOICE' ? 'voice call' : 'SMS'}</label>
    <input
      id="code"
      name="code"
      inputmode="numeric"
      autocomplete="one-time-code"
      required
      maxlength="20"
      spellcheck="false"
      ${described(kept, 'otp', 'code', 'code-help')}
    />
    <p id="code-help" class="help">
      6 digits, e.g. 123830 or 123-830. Wrong codes so far: ${wrong} of ${journeyPolicy.maxWrongCodes}.
      ${codeLife(view)}
    </p>`;
}

/**
 * When Meta's latest code stops working: past it, Meta answers the right code as a wrong one, and an attempt is
 * spent (the last one ends the journey) — a new code is the way.
 */
function codeLife(view: JourneyView): Html | null {
  const lastsAt = codeLastsFrom(view.deadlines);
  if (lastsAt === null) return null;
  const lasts = Date.parse(lastsAt);
  const at = time(lastsAt, { seconds: true });
  const side = sideOf(lasts);
  if (side === 'before') return html`Meta's latest code works until about ${at}.`;
  const advice = canAskCode(view) ? 'send a new code first' : `no new code can be asked for: ${startOver(view)}`;
  if (side === 'about now') {
    const ifInDoubt = canAskCode(view) ? ' — if in doubt, send a new code first' : '';
    return html`<strong>Meta's latest code stops working about now (${at}):</strong> once it has, it is answered as
      wrong and costs an attempt${ifInDoubt}.`;
  }
  return html`<strong>Meta's latest code expired at about ${at}:</strong> a code sent before then is answered as wrong
    and costs an attempt — ${advice}.`;
}

function resendFields(view: JourneyView, kept: Kept): Html {
  const chosen = kept.action === 'resend' && kept.method ? kept.method : view.codeMethod;
  const option = (value: string, label: string) =>
    html`<option value="${value}" ${chosen === value ? html` selected` : null}>${label}</option>`;
  // SMS never reaches a number behind an IVR: the journey refuses it, so it is not offered.
  return html`<label for="method">New code by</label>
    <select id="method" name="method" ${described(kept, 'resend', 'method', 'method-help')}>
      ${view.ivr ? null : option('SMS', 'SMS')}${option('VOICE', 'voice call')}
    </select>
    <p id="method-help" class="help">
      ${view.ivr ? 'The number sits behind an IVR: codes come by voice call only. ' : null}Codes requested so far:
      ${view.attempts.codeRequests} of ${journeyPolicy.maxCodeRequests}. A new code voids the last one.
    </p>`;
}

/**
 * The PIN an operator chooses (pinPolicy operator) is typed twice: a slip would become the number's PIN, never shown
 * again. The one Meta already holds (133005) is typed once, as the number's current PIN.
 */
function pinFields(view: JourneyView, kept: Kept): Html {
  const choosing = choosingPin(view);
  // Never offered to a password manager: the number's PIN is not the operator's, and is kept sealed.
  const field = (id: string, label: string, help: string) =>
    html`<label for="${id}">${label}</label>
      <input
        id="${id}"
        name="${id}"
        type="password"
        inputmode="numeric"
        autocomplete="off"
        required
        maxlength="20"
        ${described(kept, 'pin', id, help)}
      />`;
  if (!choosing) {
    return html`${field('pin', "The number's current two-step PIN", 'pin-help')}
      <p id="pin-help" class="help">
        6 digits: the PIN already set on the number. It is sent once, encrypted, and never shown again.
      </p>`;
  }
  return html`${field('pin', 'New two-step PIN', 'pin-help')}
    <p id="pin-help" class="help">
      Choose 6 digits: they become the number's PIN. It is sent once, encrypted, and never shown again (an admin can
      reveal it).
    </p>
    ${field('pinRepeat', 'Repeat the new PIN', 'pin-help')}`;
}

/** The console's path of an admin's read-back of the two-step PIN (routes/pin-reveal.ts). */
export const PIN_REVEAL = 'pin-reveal';

function pinRevealFields(kept: Kept): Html {
  return html`<label for="pin-reveal-reason">Why read the PIN back</label>
    <input
      id="pin-reveal-reason"
      name="reason"
      required
      maxlength="500"
      autocomplete="off"
      value="${keptValue(kept, PIN_REVEAL, 'reason')}"
      ${described(kept, PIN_REVEAL, 'reason', 'pin-reveal-help')}
    />
    <p id="pin-reveal-help" class="help">
      The two-step PIN numberflow set on the number (WhatsApp Manager asks for it to delete or move the number). The
      journey notes your name and this reason; the PIN is shown — and read out by a screen reader — once, on the page
      that answers.
    </p>`;
}

/**
 * A browser's maxlength counts UTF-16 units and cuts what is pasted past it without a word, while the rule counts
 * code points of the name made NFC: room for 255 characters written decomposed or outside the BMP (𠮷), so that
 * only the service's rule, which says so, refuses a name too long.
 */
const NAME_FIELD_MAX_UNITS = DISPLAY_NAME_MAX * 4;

function nameFields(view: JourneyView, kept: Kept): Html {
  return html`<label for="displayName">New display name</label>
    <input
      id="displayName"
      name="displayName"
      required
      maxlength="${NAME_FIELD_MAX_UNITS}"
      autocomplete="off"
      value="${keptValue(kept, 'display-name', 'displayName')}"
      ${described(kept, 'display-name', 'displayName', 'name-help')}
    />
    <p id="name-help" class="help">Now: ${displayNameWords(view)}. It goes to Meta's review.</p>`;
}

/** Instead of the form while Meta reviews a name: the name in effect and the one under review, with its status. */
function nameUnderReviewNote(view: JourneyView): Html {
  const { current, pending, status } = view.displayName;
  if (status === 'APPROVED')
    return html`<p>
      Meta approved the display name "${pending}": it takes effect once the number registers again (now "${current}"). A
      new name can be submitted once it is in effect.
    </p>`;
  return html`<p>
    A display-name change is under review: now "${current}"; ${status.toLowerCase().replaceAll('_', ' ')}: "${pending}".
    A new name can be submitted once Meta has decided on this one.
  </p>`;
}

/**
 * What numberflow does not do for the number outside it, said before the removal is asked: what else sends from it,
 * and what else hears of it, stops being able to.
 */
function removalFields(kept: Kept): Html {
  return html`<p class="help">
      Before: stop the campaigns and other systems that send from this number, and point any webhook or sending code
      that relies on it elsewhere; numberflow pauses only its own sends. A connection another platform holds to the
      number is disconnected there first.
    </p>
    ${reasonFields(kept, 'removal', 'Why remove the number')}`;
}

function blockedRemovalFields(kept: Kept): Html {
  return html`${reasonFields(kept, 'removal', 'Why remove the number')}
    <p class="help">
      Meta blocked the removal (see where it stands above): resolve the block first, then request the removal again.
    </p>`;
}

/** What a cancel or a removal does for good: said beside the box its form needs ticked. */
const forGood = {
  cancel: 'the onboarding of this number ends, and cannot be resumed',
  removal: 'the number is deregistered and removed from the WhatsApp Business account',
};

/** A reason, and a box to tick: an Enter in the reason alone never sends what cannot be undone. */
function reasonFields(kept: Kept, action: 'cancel' | 'removal', label: string): Html {
  return html`<label for="${action}-reason">${label}</label>
    <input
      id="${action}-reason"
      name="reason"
      required
      maxlength="500"
      autocomplete="off"
      value="${keptValue(kept, action, 'reason')}"
      ${described(kept, action, 'reason')}
    />
    <label class="check">
      <input
        type="checkbox"
        id="${action}-confirm"
        name="confirm"
        value="yes"
        required
        ${described(kept, action, 'confirm')}
      />
      I understand: ${forGood[action]}. This cannot be undone.
    </label>`;
}

function identityCheckFields(on: boolean): Html {
  return html`<input type="hidden" name="enabled" value="${on ? 'false' : 'true'}" />
    <p class="help">
      Meta's identity-change check is
      ${on ? 'on' : 'off'}.${
        on
          ? ' Sends carry the customer’s identity hash and stop when their WhatsApp identity changes.'
          : ' Turned on, a send to a customer whose WhatsApp identity changed (a recycled number) is stopped.'
      }
    </p>`;
}

function testMessageFields(kept: Kept): Html {
  return html`<label for="test-to">Test message to (the customer's wa_id)</label>
    <input
      id="test-to"
      name="to"
      required
      inputmode="tel"
      maxlength="40"
      autocomplete="off"
      value="${keptValue(kept, 'test-message', 'to')}"
      ${described(kept, 'test-message', 'to', 'test-to-help')}
    />
    <p id="test-to-help" class="help">Their WhatsApp number, country code first, e.g. +1 555 123 4567.</p>
    <label for="test-text">Text (optional)</label>
    <input
      id="test-text"
      name="text"
      maxlength="4096"
      autocomplete="off"
      value="${keptValue(kept, 'test-message', 'text')}"
      ${described(kept, 'test-message', 'text')}
    />`;
}
