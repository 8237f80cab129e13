// What a journey says while it waits for a person or a long time: one entry per such wait worded from parameters, with
// the words its view shows as `waiting.reason` — what the wait is for and what the person it waits for does (a
// brief wait for Meta or the portfolio says its few words where it begins). Stage code says
// `journey.waitFor('admin', waitText('TOKEN_UNUSABLE', { wabaId, keyMissing }))`; the text lives here, once, as the
// endings' does (endings.ts). The words are state only (the journey's view): never compared on replay.
import { DELETION_WAIT, REMOVAL_BLOCKED, type CodeMethod } from './journey.js';

/**
 * How a number behind an IVR still gets Meta's code: said to the operator waiting for it (the code wait), and in
 * IVR_ADVICE. The number is on the WABA in each (a code is requested for a phone_number_id).
 */
export const IVR_CALL_ADVICE =
  "allow-list Meta's caller numbers (Meta shares 1 or 2; where they cannot be allow-listed, ask Meta's Direct " +
  "Support for the registration call's source numbers, the number being on the WABA already) and redirect the call " +
  "to a person or mailbox to capture the code; an IVR that cannot take Meta's call cannot be registered";

/**
 * The same for a number that may or may not be behind an IVR: in the remediation of a journey that ended without a
 * verified code (endings.ts) and of Meta's 136024, the code not sent (graph/errors.ts).
 */
export const IVR_ADVICE = `Behind an IVR: use VOICE, ${IVR_CALL_ADVICE}.`;

/**
 * Meta's 133010 ("Account not registered") on a deregistration: Meta's table's remedy for a deregister call
 * (graph/errors.ts) and the removal's blocked wait. A failure recorded before the table had one carries a
 * registration's words ("register it"), the opposite of a removal: the removal words its wait with these.
 */
export const DEREGISTERED_ALREADY =
  'The number is not registered on the Cloud API (deregistered already, in WhatsApp Manager or by another platform): request the removal again — the journey reads Meta first and goes on.';

/** The code the journey waits for, when it is the last one a journey asks for: how many, and what follows. */
interface LastCode {
  of: number;
  ends: string;
}

const waits = {
  /** Meta holds another two-step PIN (133005): a live rename's, or a number deleted and added again. */
  OLD_PIN: ({ liveRename }: { liveRename: boolean }) =>
    liveRename
      ? "two-step verification holds another PIN than numberflow's (was it changed outside numberflow?): an operator must submit the number's current PIN"
      : "two-step verification already holds another PIN (was the number deleted and added again?): an operator must submit the old PIN — one numberflow set while the number was in another portfolio is that portfolio's (its admin reads it back while that journey runs); one this journey set before numberflow's Temporal data was restored from a backup is lost with it. Or a portfolio admin turns two-step verification off in WhatsApp Manager, and an operator submits a new PIN",

  /** No usable token for the WABA; `keyMissing`: the stored one is sealed with a store key the workers lack. */
  TOKEN_UNUSABLE: ({ wabaId, keyMissing }: { wabaId: string; keyMissing: boolean }) => {
    const newToken = `have someone with the token store run \`numberflow token set --waba ${wabaId}\` in direct mode`;
    return keyMissing
      ? `the stored Meta token for WABA ${wabaId} cannot be opened with the workers' store keys: put its key back in NUMBERFLOW_STORE_KEY on the workers (the journey tries again by itself: hourly, every 6 hours after a day), or store a new token — finish Embedded Signup again, or ${newToken}`
      : `a working Meta token for WABA ${wabaId} is needed: finish Embedded Signup again, or ${newToken} (a WABA id given wrong: cancel the journey)`;
  },

  /**
   * An operator submits the code Meta sent. `newCode`: what to do for another; `last`: this code is the last one a
   * journey asks for; `liveRename`: a live number's rename met Meta's 133006; `unconfirmed`: the request's answer
   * was lost, so Meta may have sent no code.
   */
  CODE: (p: {
    method: CodeMethod;
    ivr: boolean;
    newCode: string;
    last: LastCode | null;
    liveRename: boolean;
    unconfirmed: boolean;
  }) => {
    const by = p.method === 'VOICE' ? 'voice call' : 'SMS';
    const ivr = p.ivr ? ` The number is behind an IVR: ${IVR_CALL_ADVICE}.` : '';
    const atEnd = p.last
      ? `this is the last of the ${p.last.of} codes a journey asks for: ${p.last.ends} when the wait ends`
      : 'a new one is requested when the wait ends';
    const why = p.liveRename
      ? 'the display-name change needs the live number verified again (Meta answered its register 133006): '
      : '';
    const sent = p.unconfirmed
      ? `Meta may have sent a code by ${by} (its answer to the request was lost): if none arrives within minutes, ask for a resend; else `
      : '';
    return `${why}${sent}an operator must submit the 6-digit code Meta sent by ${by} within about 10 minutes (a later one counts as wrong: ${p.newCode}); ${atEnd}.${ivr}`;
  },

  /**
   * Meta refused a new code: the journey asks again when Meta's wait ends. `standingUntil`: the code sent before
   * still lasts until then; `refusedAgain`: what follows a second refusal.
   */
  CODE_REFUSED: ({
    reason,
    standingUntil,
    refusedAgain,
  }: {
    reason: string;
    standingUntil: string | null;
    refusedAgain: string;
  }) => {
    const standing = standingUntil ? `the code sent before may still be submitted until ${standingUntil}; ` : '';
    return `Meta refused a new code (${reason}); ${standing}numberflow asks once more when the wait ends ${refusedAgain}.`;
  },

  /**
   * The portfolio's cap is reached: the journey waits in its queue. The place and the cap are the portfolio's when
   * it answered; `metaDefaultCap`: the cap is Meta's for an unverified business (not one an admin set low).
   */
  CAP_REACHED: ({
    cap,
    position,
    portfolioId,
    metaDefaultCap,
  }: {
    cap: number;
    position: number | null;
    portfolioId: string;
    metaDefaultCap: boolean;
  }) => {
    const verification = metaDefaultCap
      ? ' (Meta raises it to 20 once the business is verified or reaches a messaging limit of 2,000; if Meta has, an admin sets it: `numberflow portfolio set-cap`)'
      : '';
    return (
      `the portfolio's cap of registered numbers is reached: ${cap} when it answered${verification}; ` +
      `place ${position} in its queue then — \`numberflow portfolio show ${portfolioId}\` shows the queue now`
    );
  },

  /**
   * A portfolio admin deletes the number in WhatsApp Manager, then confirms. `numberPin`: numberflow set the
   * number's two-step PIN, which WhatsApp Manager may ask for (not a coexistence or adopted number's).
   */
  DELETION: ({ e164, numberPin }: { e164: string; numberPin: boolean }) => {
    const pin = numberPin
      ? `an admin reads numberflow's back: \`numberflow reveal-pin ${e164} --reason …\`, POST /v1/journeys/{e164}/pin-reveal`
      : "it is the number's own: numberflow set none";
    return `${DELETION_WAIT} → Phone numbers (trash icon; where it asks for the two-step PIN, ${pin}), then confirm`;
  },

  /** Meta is read after `confirming` confirmed the deletion: the wait is Meta's, not the admin's. */
  DELETION_CHECK: ({ confirming }: { confirming: string }) =>
    `checking at Meta that the number is gone, as ${confirming} confirmed`,

  /** A restriction blocks the removal: its reason and remediation, until an admin requests the removal again. */
  REMOVAL_BLOCKED: ({ reason, remediation }: { reason: string; remediation: string }) =>
    `${REMOVAL_BLOCKED}: ${reason}. ${remediation}`,
} as const;

export type WaitKey = keyof typeof waits;
export type WaitParams<K extends WaitKey> = Parameters<(typeof waits)[K]>[0];

/** The words of a wait, e.g. `waitText('OLD_PIN', { liveRename: false })`. */
export function waitText<K extends WaitKey>(key: K, params: WaitParams<K>): string {
  return (waits[key] as (params: WaitParams<K>) => string)(params);
}
