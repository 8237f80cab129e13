// The console's words for the domain's values: stages as an operator reads them, who a journey waits for, times.
import type { IdentityStage } from '../../domain/identity.js';
import type { JourneyView } from '../../domain/journey.js';
import { visibleControls } from '../../domain/operator-input.js';
import type { StageOrOutcome } from '../../domain/stages.js';
import { html, type Html } from './html.js';

export const stageLabels = {
  WAITING_FOR_CAPACITY: 'waiting for a slot in the portfolio',
  ADDING: 'adding the number at Meta',
  REQUESTING_CODE: 'asking Meta for a code',
  AWAITING_OTP: 'awaiting the code',
  VERIFYING_CODE: 'verifying the code',
  REGISTERING: 'registering the number',
  AWAITING_PIN: 'awaiting the two-step PIN',
  AWAITING_CONNECTED: 'waiting until Meta shows it CONNECTED',
  DISPLAY_NAME_REVIEW: 'display name in review',
  AWAITING_NEW_NAME: 'awaiting a new display name',
  ENABLING_IDENTITY_CHECK: 'turning on the identity check',
  CONFIRMING_COEXISTENCE: 'confirming the WhatsApp Business App link',
  SYNCING_SMB_DATA: 'syncing the WhatsApp Business App data',
  LIVE: 'live',
  REMOVING: 'being removed',
  REMOVED: 'removed',
  SIGNUP_EXPIRED: 'ended: the signup window closed',
  FAILED: 'ended: failed',
  CANCELLED: 'ended: cancelled',
} as const satisfies Record<StageOrOutcome, string>;

/** A customer's identity recovery's stages, as a refused confirmation names them ("(stage AWAITING_NEW_HASH)"). */
export const recoveryStageLabels = {
  UNTRUSTED: 'untrusted',
  CONFIRMED: 'confirmed',
  AWAITING_NEW_HASH: 'confirmed, waiting for the new hash',
  TRUSTED: 'trusted',
  TIMED_OUT: 'ended unconfirmed after 30 days',
} as const satisfies Record<IdentityStage, string>;

/** A stage by its label: the journey's, or a customer's recovery's (their names differ). */
const stageLabel = (stage: string): string | undefined =>
  (stageLabels as Record<string, string>)[stage] ?? (recoveryStageLabels as Record<string, string>)[stage];

const waitingFor = {
  portfolio: 'the portfolio (a free slot)',
  operator: 'an operator',
  admin: 'an admin',
  meta: 'Meta',
} as const satisfies Record<NonNullable<JourneyView['waiting']>['for'], string>;

/**
 * "14:05 UTC on 2 Dec 2026" in a <time> element (its datetime the instant, which the console's script shows in the
 * reader's zone beside it); `seconds` for deadlines and what comes within seconds ("14:05:07 UTC …").
 */
export function time(iso: string | null, { seconds = false } = {}): Html {
  if (!iso) return html`—`;
  const date = new Date(iso);
  const clock = date.toISOString().slice(11, seconds ? 19 : 16);
  const day = date.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  return html`<time datetime="${iso}">${clock} UTC on ${day}</time>`;
}

/** Who the journey waits for, why, and until when. */
export function waitingLine(waiting: JourneyView['waiting']): Html {
  if (!waiting) return html`Waits for nobody.`;
  // A deadline to the second: a wait the journey ends at 22:37:35 has not ended at 22:37.
  const until = waiting.until ? html`, until ${time(waiting.until, { seconds: true })}` : null;
  return html`Waits for <strong>${waitingFor[waiting.for]}</strong>:
    ${readable(waiting.reason.replace(/\.$/, ''))}${until}.`;
}

/**
 * An ISO time, or the journey's "(stage VERIFYING_CODE)" (its group: the stage) — a person's own words saying "stage"
 * are left alone.
 */
const ISO_TIME_OR_STAGE = /\b\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z\b|\(stage ([A-Z_]{4,})\)/g;

/**
 * The journey's words (answers, notes, waiting reasons: the API's, in its codes and ISO times) as a person reads them
 * here: a time as the page writes times, a stage by its label. Everything else as it is, escaped as any text.
 */
export function readable(written: string): Html {
  const text = visibleControls(written); // a name Meta holds, quoted in a note, may carry a direction override
  const parts: (Html | string)[] = [];
  let last = 0;
  for (const match of text.matchAll(ISO_TIME_OR_STAGE)) {
    parts.push(text.slice(last, match.index));
    const [found, stage] = match;
    const label = stage === undefined ? undefined : stageLabel(stage);
    // Seconds are kept where the journey gave them: a wait that ends at 14:47:15 does not end at 14:47.
    const seconds = !/T\d\d:\d\d(?::00(?:\.0+)?)?Z$/.test(found);
    if (stage === undefined && !Number.isNaN(Date.parse(found))) parts.push(time(found, { seconds }));
    else parts.push(label ? `(stage "${label}")` : found);
    last = match.index + found.length;
  }
  parts.push(text.slice(last));
  return html`${parts}`;
}
