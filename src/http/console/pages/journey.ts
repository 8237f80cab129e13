// `/journeys/:e164`: where a journey stands (stage, who it waits for and until when, deadlines, attempts, display
// name, last Meta error, notes newest first), the outcome of what was just submitted, and the forms that fit. The
// parts marked data-live are what the live script (assets/console.js) replaces as the journey's events arrive.
import { displayNameWords } from '../../../domain/display-name-words.js';
import { metaStopWords, qualityWords, type JourneyView } from '../../../domain/journey.js';
import { isJourneyOutcome, type StageOrOutcome } from '../../../domain/stages.js';
import { visibleControls } from '../../../domain/operator-input.js';
import { journeyPolicy } from '../../../domain/policy.js';
import type { ActionOutcome } from '../../api/actions.js';
import { html, type Html } from '../html.js';
import { readable, stageLabels, time, waitingLine } from '../labels.js';
import { eventsPath, journeyPath, portfolioPath } from '../paths.js';
import { actionForms, formsState, type Kept } from './forms.js';
import { customersSection, type CustomersShown } from './identities.js';
import { layout, type PageContext } from './layout.js';

export interface JourneyPageOptions {
  outcome?: ActionOutcome | null;
  /** The stages the outcome leads the journey to: the page moving to one follows from it (not "Earlier"). */
  leadsTo?: readonly string[];
  kept?: Kept;
  /** The number's timeline, linked for a principal who may audit. */
  timelinePath?: string | null;
  /** A live number's customers not trusted now (the latest ones, and how many in all); null: not shown. */
  customers?: CustomersShown | null;
  /** The two-step PIN an admin just read back: shown once, in place of an outcome. */
  revealedPin?: string;
}

export function journeyPage(context: PageContext, view: JourneyView, options: JourneyPageOptions = {}): Html {
  const { outcome = null, leadsTo = [], kept = {}, timelinePath = null, customers = null, revealedPin } = options;
  const principal = context.principal;
  const live = view.result === null;
  const title = `${outcome ? `${outcome.outcome} · ` : ''}${view.e164}`;
  // A cancel or removal under way: the stage's forms no longer fit, and without the live script nothing replaces them.
  const movingTo = outcome?.outcome === 'pending' && !leadsTo.includes(view.stage) ? leadsTo.find(ends) : undefined;
  return layout(context, {
    title,
    // Also once ended: the script puts the page's address back after a form's POST, so a reload posts nothing again.
    body: html`<div
      class="journey"
      data-page="${journeyPath(view.e164)}"
      ${live ? html` data-events="${eventsPath(view.e164)}"` : null}
    >
      <h1>${view.e164} <bdi class="name">${visibleControls(view.displayName.current, false)}</bdi></h1>
      <p class="links">
        <a href="${journeyPath(view.e164)}" data-refresh>Refresh</a> · <a href="/">All awaiting input</a>${
          timelinePath ? html` · <a href="${timelinePath}">Timeline</a>` : null
        }
      </p>
      ${outcome ? outcomeBlock(outcome, leadsTo) : null} ${revealedPin === undefined ? null : pinBlock(revealedPin)}
      <section id="status" aria-labelledby="status-title">${statusSection(view)}</section>
      ${
        principal
          ? html`<section id="actions" aria-labelledby="actions-title" data-live data-stage="${formsState(view)}">
              <h2 id="actions-title">What you can do</h2>
              ${movingTo ? movingLine(view, movingTo) : actionForms(context, principal, view, kept)}
            </section>`
          : null
      }
      ${principal ? customersSection(context, principal, view, customers, kept) : null}
      <section id="facts" aria-labelledby="facts-title" data-live>${factsSection(view)}</section>
      <section id="notes" aria-labelledby="notes-title" data-live>${notesSection(view)}</section>
    </div>`,
  });
}

/** Where a cancel or a removal takes the journey: its forms are of that stage, not of the one it leaves. */
const ends = (stage: string): stage is StageOrOutcome => isJourneyOutcome(stage) || stage === 'REMOVING';

function movingLine(view: JourneyView, to: StageOrOutcome): Html {
  return html`<p class="moving">
    The journey goes on to “${stageLabels[to]}”, and the forms of the stage it leaves no longer apply:
    <a href="${journeyPath(view.e164)}" data-refresh>Refresh</a> to see what you can do then.
  </p>`;
}

function outcomeBlock({ outcome, message }: ActionOutcome, leadsTo: readonly string[]): Html {
  // Focused on arrival, so a screen reader reads it and Tab goes on to the forms. The message says the attempts left.
  // The live script reads data-leads-to: a move to one of those stages does not make the answer earlier.
  return html`<p
    id="outcome"
    class="outcome ${outcome}"
    role="status"
    aria-live="polite"
    tabindex="-1"
    autofocus
    ${leadsTo.length > 0 ? html` data-leads-to="${leadsTo.join(' ')}"` : null}
  >
    <strong>${outcome}:</strong> ${readable(message)}
  </p>`;
}

/** The PIN read back, focused as an outcome is; the page's address is put back, so a reload no longer shows it. */
function pinBlock(pin: string): Html {
  return html`<p id="outcome" class="outcome accepted" role="status" aria-live="polite" tabindex="-1" autofocus>
    <strong>Two-step PIN:</strong> <code class="pin">${pin}</code> — noted in the journey with your name and reason.
    Shown once: a reload, or a return to this page, does not show it again (without JavaScript, a reload asks to send
    the form again, which reads it back again).
  </p>`;
}

function statusSection(view: JourneyView): Html {
  const result = view.result;
  // The stage line is a live region whose text the script changes in place (a replaced region is not announced).
  return html`<h2 id="status-title">Where it stands</h2>
    <p class="stage" aria-live="polite" tabindex="-1">
      Stage: <strong data-stage-label>${stageLabels[view.stage]}</strong> <code data-stage-code>${view.stage}</code>
    </p>
    <div id="status-details" data-live>
      <p class="waiting">${waitingLine(view.waiting)}</p>
      ${
        // A block that came while the removal waits for something else (Meta's paid-message block) is not its wait.
        view.removalBlocked
          ? html`<p class="removal-blocked">
              <strong>Removal blocked:</strong> ${view.removalBlocked.reason}. ${view.removalBlocked.remediation}
            </p>`
          : null
      }
      ${view.callUnderWay ? callUnderWay(view.callUnderWay) : null}
      ${
        result
          ? html`<div class="result">
              <p>
                <strong>${result.outcome}</strong> (${result.reasonCode}):
                ${result.reason}${result.actor && !namesActor(result.reason, result.actor) ? html` — by ${result.actor}` : null}
              </p>
              <p>${result.remediation}</p>
            </div>`
          : null
      }
      ${view.lastError ? lastError(view.lastError, result !== null) : null}
    </div>`;
}

/** Whether the ending's reason names who did it already ("cancelled by ops@acme: …"), as a word of its own. */
function namesActor(reason: string, actor: string): boolean {
  return reason.split(/[\s:;,]+/).includes(actor);
}

/** A Graph call Temporal retries, which the journey hears of only when the retries end. */
function callUnderWay(call: NonNullable<JourneyView['callUnderWay']>): Html {
  return html`<div class="meta-error call-under-way">
    <h3>Retrying a call to Meta</h3>
    <p>
      ${call.call} (<code>${call.endpoint}</code>): attempt ${call.attempt},
      ${call.nextAttemptAt ? html`next attempt at ${time(call.nextAttemptAt, { seconds: true })}` : call.state}.
    </p>
    ${call.attemptBefore ? html`<p>Attempt ${call.attempt - 1} ${call.attemptBefore}.</p>` : null}
  </div>`;
}

/** Once the journey has ended, the error's advice (said for a journey that goes on: "numberflow retries") is not. */
function lastError(error: NonNullable<JourneyView['lastError']>, ended: boolean): Html {
  return html`<div class="meta-error">
    <h3>Last Meta error</h3>
    <p>
      <strong>${error.code}</strong>${error.subcode !== null ? html` / ${error.subcode}` : null} (${error.errorClass}):
      ${error.message}${error.details ? html` — ${error.details}` : null}
    </p>
    ${ended ? null : html`<p>${error.remediation}</p>`}
    ${error.fbtraceId ? html`<p class="help">fbtrace_id ${error.fbtraceId}${error.endpoint ? html` · ${error.endpoint}` : null}</p>` : null}
  </div>`;
}

function factsSection(view: JourneyView): Html {
  const { deadlines, attempts } = view;
  const row = (term: string, value: Html | string | number | null) =>
    value === null
      ? null
      : html`<dt>${term}</dt>
          <dd>${value}</dd>`;
  return html`<h2 id="facts-title">The number</h2>
    <dl>
      ${row('Display name', displayNameWords(view))} ${row('Phone number id', view.phoneNumberId)}
      ${row('WABA', view.wabaId)}
      ${row('Portfolio', html`<a href="${portfolioPath(view.portfolioId)}">${view.portfolioId}</a>`)}
      ${row('Path', view.path === 'coexistence' ? 'coexistence (WhatsApp Business App)' : 'Cloud API')}
      ${row('Code by', view.codeMethod)} ${row('Meta status', view.status)}
      ${
        view.quality
          ? row('Quality', html`${qualityWords(view.quality)}, ${time(view.quality.at, { seconds: true })}`)
          : null
      }
      ${view.sendsPaused ? row('Sends', 'paused') : null}
      ${
        view.stoppedByMeta
          ? row(
              'Stopped by Meta',
              html`${metaStopWords(view.stoppedByMeta)}, ${time(view.stoppedByMeta.at, { seconds: true })}`,
            )
          : null
      }
      ${view.identityCheck === 'on' ? row('Identity check', 'on') : null}
      ${
        deadlines.codeExpiresAt
          ? row(
              'Code wait ends',
              html`${time(deadlines.codeExpiresAt, { seconds: true })}
                <span class="help"
                  >(Meta's code itself lasts about ${journeyPolicy.codeValidMs / 60_000} minutes from its request)</span
                >`,
            )
          : null
      }
      ${deadlines.signupExpiresAt ? row('Signup window closes', time(deadlines.signupExpiresAt, { seconds: true })) : null}
      ${deadlines.reRegisterBy ? row('Register again by', time(deadlines.reRegisterBy, { seconds: true })) : null}
      ${deadlines.deletionAllowedAt ? row('Deletion allowed from', time(deadlines.deletionAllowedAt, { seconds: true })) : null}
      ${row('Codes requested', attempts.codeRequests)} ${row('Wrong codes', attempts.wrongCodes)}
      ${row('Wrong PINs', attempts.wrongPins)}
      ${row('Register / deregister calls', `${attempts.registerCalls} / ${attempts.deregisterCalls} (${view.registrationCallsIn72h} in 72 h by this journey)`)}
    </dl>`;
}

function notesSection(view: JourneyView): Html {
  const notes = [...view.notes].reverse();
  return html`<h2 id="notes-title">Notes, newest first</h2>
    ${
      notes.length === 0
        ? html`<p>No notes yet.</p>`
        : html`<ol class="notes" reversed>
            ${notes.map(
              (note) =>
                // The space keeps the actor and the note apart in the text a screen reader is told (the live script's).
                html`<li>${time(note.at)} · <span class="actor">${note.actor}</span> <br />${readable(note.what)}</li>`,
            )}
          </ol>`
    }`;
}
