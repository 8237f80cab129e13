// How a journey can end: one entry per reason code, with its outcome, its reason and the remediation a person
// follows. Stage code says `end('PIN_ATTEMPTS_EXHAUSTED', { attempts: 3 })`; the text lives here, once.
import type { JourneyResult } from './journey.js';
import type { MetaError } from './meta-error.js';
import { wabaElsewhereText, type WabaElsewhere } from './portfolio.js';
import type { JourneyOutcome } from './stages.js';
import { IVR_ADVICE } from './wait-texts.js';

interface Ending<P> {
  outcome: JourneyOutcome;
  reason: (params: P) => string;
  remediation: string | ((params: P) => string);
}

const ending = <P = Record<string, never>>(e: Ending<P>): Ending<P> => e;

const codeRemediation =
  'Check that the number receives SMS or calls from international numbers and that it is not registered elsewhere. ' +
  `${IVR_ADVICE} Then start a new journey.`;

/** What the business does after a coexistence disconnection, by Meta's reason. */
function disconnectionRemedy(reason: string): string {
  const again =
    "To use the number through numberflow again, the business runs Embedded Signup's coexistence flow again, which starts a new journey.";
  switch (reason) {
    case 'BUSINESS_DOWNGRADE':
      return `The account left the WhatsApp Business App. Back on the Business App (2.24.17 or later): ${again} Or onboard it on the cloud_api path (it then leaves the app).`;
    case 'CHANGE_NUMBER':
      return `The business moved its Business App account to another number: onboard that number (a new journey for it); treat this one as possibly recycled.`;
    case 'COMPANION_INACTIVITY':
      return `The Cloud API side went unused for about 30 days. ${again}`;
    default:
      return `The business disconnected numberflow's app in the WhatsApp Business App. ${again}`;
  }
}

export const endings = {
  SIGNUP_WINDOW_CLOSED: ending({
    outcome: 'SIGNUP_EXPIRED',
    reason: () => 'the 14-day Embedded Signup window closed before the number was registered',
    remediation: 'Run Embedded Signup again for this number, then start a new journey.',
  }),
  OTP_NOT_VERIFIED: ending<{ requests: number }>({
    outcome: 'FAILED',
    reason: ({ requests }) => `${requests} codes were requested and none was verified`,
    remediation: `OTP verification failed or timed out. ${codeRemediation}`,
  }),
  OTP_ATTEMPTS_EXHAUSTED: ending<{ attempts: number }>({
    outcome: 'FAILED',
    reason: ({ attempts }) => `${attempts} wrong codes were submitted`,
    remediation: `OTP verification failed. ${codeRemediation}`,
  }),
  PIN_ATTEMPTS_EXHAUSTED: ending<{ attempts: number }>({
    outcome: 'FAILED',
    reason: ({ attempts }) => `${attempts} wrong two-step PINs were submitted`,
    remediation:
      'Two-step verification cannot be turned off through the API: a portfolio admin must turn it off in WhatsApp Manager (with email confirmation), then start a new journey.',
  }),
  PIN_NOT_SUBMITTED: ending({
    outcome: 'FAILED',
    reason: () => 'no two-step PIN was submitted in time',
    remediation:
      "Find the number's two-step PIN (or have an admin turn two-step verification off in WhatsApp Manager), then start a new journey.",
  }),
  DISPLAY_NAME_REJECTED: ending<{ name: string }>({
    outcome: 'FAILED',
    reason: ({ name }) => `Meta rejected "${name}" and no new name was submitted`,
    remediation:
      "Choose a display name that follows Meta's display-name guidelines (docs/display-names.md; it must relate to the business), then start a new journey.",
  }),
  STAYS_PENDING: ending<{ status: string; days: number }>({
    outcome: 'FAILED',
    reason: ({ status, days }) => `the number stayed ${status} for ${days} days after registration`,
    remediation:
      'OTP verification completed but Cloud API registration did not take: register the number again with its 6-digit PIN (POST /<PHONE_NUMBER_ID>/register); if it was deleted and re-added, its previous two-step PIN may be required.',
  }),
  NOT_REGISTERED_AGAIN: ending<{ name: string }>({
    outcome: 'FAILED',
    reason: ({ name }) =>
      `the number was deregistered to finish an earlier deregistration (Meta's 133000) and could not register again within 14 days of the approval of "${name}"`,
    remediation:
      'The number is on the WABA, deregistered: start a new journey for it in the same portfolio (it tries the two-step PIN this journey set).',
  }),
  STALE_PHONE_NUMBER_ID: ending<{ phoneNumberId: string }>({
    outcome: 'FAILED',
    reason: ({ phoneNumberId }) => `Meta has no number with phone_number_id ${phoneNumberId}`,
    remediation:
      'An old phone_number_id may still be in use (a number that was deleted and added again gets a new id): look the number up in WhatsApp Manager → Phone numbers and start the journey with its current id.',
  }),
  // Not which number it is: the id may be another portfolio's, read with its token.
  PHONE_NUMBER_ID_MISMATCH: ending<{ phoneNumberId: string; e164: string }>({
    outcome: 'FAILED',
    reason: ({ phoneNumberId, e164 }) =>
      `phone_number_id ${phoneNumberId} is another number's at Meta, not ${e164}: the journey did not adopt it`,
    remediation:
      "Start the journey with this number's own phone_number_id (WhatsApp Manager → Phone numbers), or without one to have numberflow add the number.",
  }),
  WABA_IN_ANOTHER_PORTFOLIO: ending<WabaElsewhere>({
    outcome: 'FAILED',
    reason: (elsewhere) => wabaElsewhereText(elsewhere),
    remediation: ({ wabaId }) =>
      `Start the journey in the business portfolio that owns WABA ${wabaId} at Meta (Meta's Business Settings show it; so does the worker's log), as an onboarding principal of that portfolio, or one not limited to portfolios.`,
  }),
  NOT_ON_BUSINESS_APP: ending({
    outcome: 'FAILED',
    reason: () => 'Meta does not show this number on the WhatsApp Business App (is_on_biz_app is false)',
    remediation:
      'Coexistence needs a WhatsApp Business App number (app 2.24.17 or later) linked through Embedded Signup; onboard it on the cloud_api path otherwise.',
  }),
  INPUT_INVALID: ending<{ problems: readonly string[] }>({
    outcome: 'FAILED',
    reason: ({ problems }) => `the journey was started with an input it cannot take: ${problems.join('; ')}`,
    remediation:
      'Start the journey through numberflow (`numberflow start`, POST /v1/journeys, a bulk file, Embedded Signup), which checks each field first; it was started by hand (the Temporal CLI or Web UI) with fields missing or of another type.',
  }),
  COEXISTENCE_WITHOUT_ID: ending({
    outcome: 'FAILED',
    reason: () => 'a coexistence number needs its phone_number_id',
    remediation: 'Start the journey with the phone_number_id from Embedded Signup.',
  }),
  META_ERROR: ending<{ what: string; meta: MetaError }>({
    outcome: 'FAILED',
    reason: ({ what, meta }) =>
      `${what} failed: Meta error ${meta.code} (${meta.message}${meta.fbtraceId ? `, fbtrace_id ${meta.fbtraceId}` : ''})`,
    remediation: ({ meta }) => meta.remediation,
  }),
  // Shown as META_<Meta's code> (200000), as the refusal it ends on.
  CAP_REFUSED_AGAIN: ending<{ refusals: number; registered: number; meta: MetaError }>({
    outcome: 'FAILED',
    reason: ({ refusals, registered, meta }) =>
      `Meta refused the add at the portfolio's cap ${refusals} times (Meta error ${meta.code}${meta.fbtraceId ? `, fbtrace_id ${meta.fbtraceId}` : ''}; ${registered} registered numbers at Meta): each time numberflow's portfolio had let the number through, holding a cap above Meta's or not counting numbers Meta counts (registered on a WABA of the business it does not know)`,
    remediation:
      "Set the portfolio's cap in numberflow to what Meta allows (`numberflow portfolio set-cap`, PUT /v1/portfolios/{id}/cap), or have Meta raise it (a verified business may register 20), then start a new journey.",
  }),
  DISCONNECTED_BY_BUSINESS: ending<{ reason: string; initiatedBy: string | null }>({
    outcome: 'REMOVED',
    reason: ({ reason, initiatedBy }) =>
      `the WhatsApp Business App disconnected the number from numberflow's app (Meta's PARTNER_REMOVED: ${reason}${initiatedBy ? `, by ${initiatedBy}` : ''}); numberflow can no longer use it, and its slot is free`,
    remediation: ({ reason }) => disconnectionRemedy(reason),
  }),
  UNEXPECTED_ERROR: ending<{ what: string; message: string }>({
    outcome: 'FAILED',
    reason: ({ what, message }) => `${what} failed: ${message}`,
    remediation:
      'Look at the workflow history for the failure, fix the cause (a missing token, Graph unreachable for long, an answer numberflow did not expect), and start a new journey.',
  }),
  CANCELLED_BY_OPERATOR: ending<{ actor: string; why: string }>({
    outcome: 'CANCELLED',
    reason: ({ actor, why }) => `cancelled by ${actor}${why ? `: ${why}` : ''}`,
    remediation: 'Start a new journey to onboard the number again.',
  }),
  CANCELLED_THROUGH_TEMPORAL: ending({
    outcome: 'CANCELLED',
    reason: () =>
      'the workflow was cancelled through Temporal (no actor or reason recorded: prefer numberflow cancel, which records both)',
    remediation: 'Start a new journey to onboard the number again.',
  }),
  REMOVED: ending<{ actor: string; confirmedBy: string | null }>({
    outcome: 'REMOVED',
    reason: ({ actor, confirmedBy }) =>
      `removed at the request of ${actor}; deleted in WhatsApp Manager${confirmedBy ? ` (confirmed by ${confirmedBy})` : ''}`,
    remediation:
      'To onboard the number again, start a new journey; for a few minutes after deletion Meta answers 133015 and numberflow waits.',
  }),
} as const;

export type ReasonCode = keyof typeof endings;
export type EndingParams<R extends ReasonCode> = (typeof endings)[R] extends Ending<infer P> ? P : never;

/**
 * The result of an ending. `code` overrides the reason code shown (META_ERROR shows as META_<Meta's code>, an
 * unexpected failure as its failure type), so callers can key on Meta's code.
 */
export function endingResult<R extends ReasonCode>(
  reasonCode: R,
  params: EndingParams<R>,
  extra: { actor?: string | null; metaError?: MetaError | null; code?: string } = {},
): JourneyResult {
  const entry = endings[reasonCode] as Ending<EndingParams<R>>;
  return {
    outcome: entry.outcome,
    reasonCode: extra.code ?? reasonCode,
    reason: entry.reason(params),
    remediation: typeof entry.remediation === 'function' ? entry.remediation(params) : entry.remediation,
    actor: extra.actor ?? null,
    metaError: extra.metaError ?? null,
  };
}
