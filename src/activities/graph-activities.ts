// One activity per Graph call the journey makes. Each is idempotent or guarded: a repeated call (a Temporal retry,
// or the journey calling again after a wait or after its call inside the workflow task failed — `repeat`) first
// checks what Meta already shows, so a number is never added twice, verified twice, registered twice or renamed twice.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CodeMethod } from '../domain/journey.js';
import {
  GRAPH_FAILURE_TYPE,
  TOKEN_REFUSED_CODES,
  TOKEN_UNAVAILABLE_TYPES,
  UNREACHED_TYPES,
  type CapRefusalDetail,
} from '../domain/meta-error.js';
import {
  e164OfDisplay,
  registrationTookEffect,
  type NumberRef,
  type NumberSnapshot,
  type SmbSyncType,
  countedByMeta,
} from '../domain/number.js';
import type { PhoneNumber } from '../domain/phone.js';
import type { GraphClient } from '../graph/client.js';
import { GraphError, GraphTransportError } from '../graph/errors.js';
import type { PhoneNumberField } from '../graph/phone-number.js';
import { callsInFlight } from './calls-in-flight.js';
import { graphCall, heartbeating, toActivityFailure } from './failures.js';
import { drawPin } from './pin-activities.js';
import { webhookSubscriptions } from './webhook-subscriptions.js';

const snapshotFields = [
  'status',
  'code_verification_status',
  'name_status',
  'new_name_status',
  'verified_name',
  'new_display_name',
  'is_on_biz_app',
  'platform_type',
  'display_phone_number',
] as const;

/** Whether an earlier call for the same purpose may have reached Meta: then Meta is read before calling. */
export interface Repeat {
  repeat?: boolean;
}

/**
 * A verify call may also draw the PIN numberflow will register with (`drawPin`), answered as `{pin}` beside Meta's
 * verdict, sealed in history: the task that answers the operator's code then needs no local activity for it.
 */
export interface VerifyOptions extends Repeat {
  drawPin?: boolean;
  /**
   * The code may have been sent by a task that died (taken long after its submission): Meta is read first, and a
   * number shown verified is answered `shownVerifiedUnsent`, the code not sent.
   */
  readFirst?: boolean;
}

/**
 * A verify call's answer: the PIN it drew, when asked to. `refusedButShownVerified`: a first call met Meta's refusal
 * (136025) of a number it shows verified — an earlier call's lost answer (a worker died mid-call), or a verification
 * made elsewhere, which it cannot tell apart; the journey goes on and says so, not "code accepted". A first call that
 * may take the refusal so is a local activity, answered to the workflow code of its own worker.
 */
export interface VerifyAnswer {
  pin?: string;
  refusedButShownVerified?: true;
  /** Read first (`readFirst`), Meta showed the number verified: the code was not sent (it cannot tell by whom). */
  shownVerifiedUnsent?: true;
}

/**
 * A failure the journey waits out and then calls again (callMeta): Meta down or its rate limit, Graph unreachable, a
 * token to renew or to store. Anything else would end the journey where a refused code costs one attempt.
 */
function waitedOut(err: unknown): boolean {
  if (!(err instanceof ApplicationFailure)) return false;
  if ([...UNREACHED_TYPES, ...TOKEN_UNAVAILABLE_TYPES].includes(err.type ?? '')) return true;
  if (err.type !== GRAPH_FAILURE_TYPE) return false;
  const summary = err.details?.[0] as { errorClass?: string; code?: number } | undefined;
  const { errorClass, code = -1 } = summary ?? {};
  return errorClass === 'transient' || errorClass === 'rate_limited' || TOKEN_REFUSED_CODES.includes(code);
}

function repeated(options: Repeat): boolean {
  return options.repeat === true || Context.current().info.attempt > 1;
}

/**
 * How long Meta's answer to a verify call stands for the activity taking over from the task that let go of it: the
 * activity starts within seconds of the task's end, later only on a worker out of slots.
 */
const VERIFY_ANSWER_KEPT_MS = 60_000;

export function createGraphActivities({ graph }: { graph: GraphClient }) {
  const subscribeToWebhooks = webhookSubscriptions(graph);
  const verifying = callsInFlight<void>({
    rememberMs: VERIFY_ANSWER_KEPT_MS,
    max: 1_000,
    // Meta's answer: the code taken, or refused as wrong (136025); a transport failure or an error a retry may mend
    // says nothing of what Meta did, and the repeat reads Meta first.
    kept: (outcome) => outcome.ok || (outcome.err instanceof GraphError && outcome.err.code === 136025),
  });

  async function readNumber(ref: NumberRef): Promise<NumberSnapshot> {
    try {
      const fields = await heartbeating(() => graph.getPhoneNumber(ref, snapshotFields));
      return {
        gone: false,
        status: fields.status ?? null,
        codeVerificationStatus: fields.code_verification_status ?? null,
        nameStatus: fields.name_status ?? null,
        newNameStatus: fields.new_name_status ?? null,
        verifiedName: fields.verified_name ?? null,
        newDisplayName: fields.new_display_name ?? null,
        isOnBizApp: fields.is_on_biz_app ?? false,
        platformType: fields.platform_type ?? null,
        displayPhoneNumber: fields.display_phone_number ?? null,
      };
    } catch (err) {
      // Unknown object (100/33) or "business number deleted" (33): the number is no longer at Meta.
      if (err instanceof GraphError && ((err.code === 100 && err.subcode === 33) || err.code === 33)) {
        return { gone: true };
      }
      throw toActivityFailure(err);
    }
  }

  /**
   * Meta added the number asked for, not another read out of its digits: its code would go to a stranger, and the
   * journey register, name and remove that number. Ends the journey before any code is asked for.
   */
  async function addedAsAsked(ref: NumberRef, e164: string): Promise<void> {
    const shown = await graphCall(() => graph.getPhoneNumber(ref, ['display_phone_number']));
    const added = shown.display_phone_number ? e164OfDisplay(shown.display_phone_number) : e164;
    if (added === e164) return;
    throw ApplicationFailure.nonRetryable(
      `Meta added ${added} (phone_number_id ${ref.phoneNumberId}) when asked for ${e164}: delete ${added} in WhatsApp Manager, then start the journey again`,
      'NUMBER_ADDED_AS_ANOTHER',
    );
  }

  async function statusOf(ref: NumberRef): Promise<string | null> {
    const snapshot = await readNumber(ref);
    return snapshot.gone ? null : snapshot.status;
  }

  return {
    /** The journey's read of its number (an adoption's first call at a WABA among them). */
    async readNumber(ref: NumberRef): Promise<NumberSnapshot> {
      subscribeToWebhooks(ref.wabaId, activityLog());
      return readNumber(ref);
    },

    /**
     * Adds the number to the WABA. A retried or repeated add whose first attempt went through, or a number added by
     * hand, is found on the WABA, not added twice. The WABA's list (a page per 25 numbers, counted against the
     * WABA's call budget) is read only when that can be: on a retry or a repeat, or when Meta refuses the add with
     * 200000 — never before every add, which made a WABA of hundreds of numbers cost hundreds of reads per add.
     */
    async addPhoneNumber(
      request: { wabaId: string; phoneNumber: PhoneNumber; verifiedName: string; readsCodeStatus?: boolean },
      options: Repeat = {},
    ): Promise<{
      phoneNumberId: string;
      alreadyAdded: boolean;
      codeVerificationStatus?: string | null;
      status?: string | null;
      platformType?: string | null;
    }> {
      const { wabaId, phoneNumber, verifiedName } = request;
      subscribeToWebhooks(wabaId, activityLog());
      const reads = request.readsCodeStatus === true;
      const onWaba = () => graphCall(() => findOnWaba(graph, wabaId, phoneNumber.e164, reads));
      // A number already on the WABA may be verified already (Meta keeps a code verified for 14 days): told to a
      // journey that asks (one from before it would not know the field, and must replay as it ran).
      const found = ({ id, ...read }: FoundNumber) => ({
        phoneNumberId: id,
        alreadyAdded: true,
        ...(reads ? read : {}),
      });
      if (repeated(options)) {
        const existing = await onWaba();
        if (existing) return found(existing);
      }
      let id: string;
      try {
        ({ id } = await heartbeating(() =>
          // Meta takes phone_number with or without the country code: the national number alone was read as holding
          // it when it began with its digits (+91 91234 56789 added as +91 23456789). The whole number is sent, and
          // what Meta added is checked (below): no form is read one way only in every numbering plan.
          graph.addPhoneNumber(wabaId, {
            cc: phoneNumber.countryCallingCode,
            phoneNumber: phoneNumber.e164.slice(1),
            verifiedName,
          }),
        ));
      } catch (err) {
        // 200000 is also the answer to a number already on this WABA (docs/sandbox-assumptions.md#number-registered-elsewhere).
        const existing = err instanceof GraphError && err.code === 200000 ? await onWaba() : null;
        if (existing) return found(existing);
        if (err instanceof GraphError && isCapRefusal(err)) throw await capRefusalFailure(graph, err, wabaId);
        throw toActivityFailure(err);
      }
      await addedAsAsked({ wabaId, phoneNumberId: id }, phoneNumber.e164);
      return { phoneNumberId: id, alreadyAdded: false };
    },

    /**
     * Asks Meta to send a code; never retried by Temporal (a second code voids the first). Meta answering with an
     * error, or Graph unreachable before the request left, surely sent nothing: that failure is thrown, and the
     * journey asks again at once. A request that may have reached Meta (its answer lost) answers `certain: false`.
     */
    async requestCode(
      ref: NumberRef,
      request: { method: CodeMethod; language: string },
    ): Promise<{ certain: boolean }> {
      try {
        await heartbeating(() => graph.requestCode(ref, { codeMethod: request.method, language: request.language }));
        return { certain: true };
      } catch (err) {
        if (err instanceof GraphTransportError && err.requestMayHaveReachedMeta) {
          // Not a failure (the journey tells the operator), but worth a line for whoever follows Meta's answers up.
          activityLog()?.warn('a code request may have reached Meta, but its answer was lost', {
            wabaId: ref.wabaId,
            phoneNumberId: ref.phoneNumberId,
            method: request.method,
            error: err.message,
          });
          return { certain: false };
        }
        throw toActivityFailure(err);
      }
    },

    /**
     * The code comes as `{code}`, sealed in history; a bare string from a task scheduled before that still works.
     * Answers a drawn PIN when asked for one (VerifyOptions), else nothing, as before.
     */
    async verifyCode(
      ref: NumberRef,
      submission: { code: string } | string,
      options: VerifyOptions = {},
    ): Promise<VerifyAnswer | undefined> {
      const verified = () => (options.drawPin === true ? drawPin() : undefined);
      const showsVerified = async () => {
        const snapshot = await readNumber(ref);
        return !snapshot.gone && snapshot.codeVerificationStatus === 'VERIFIED';
      };
      const code = typeof submission === 'string' ? submission : submission.code;
      const key = `${ref.phoneNumberId}\u0000${code}`;
      // The same call made here before (the task's, which it let go of; a local activity's first run) is this one's:
      // joined while on its way, and for a repeat, Meta's answer to it a moment ago.
      const earlier = verifying.underWay(key) ?? (repeated(options) ? verifying.answered(key) : undefined);
      if (!earlier && repeated(options) && (await showsVerified())) return verified();
      if (!earlier && options.readFirst === true && (await showsVerified())) {
        return { ...verified(), shownVerifiedUnsent: true };
      }
      try {
        await heartbeating(() => earlier ?? verifying.send(key, () => graph.verifyCode(ref, code)));
      } catch (err) {
        // A code refused (136025) for a number Meta shows verified was taken by an earlier call of ours whose answer
        // was lost: a local activity whose worker died starts again at attempt 1, unguarded, and the activity taking
        // over from a slow one may meet the code the first took meanwhile. Not a wrong code. A read that fails for
        // now (Meta down or slow, its rate limit, a token to renew) is thrown, not the refusal (counted as a wrong
        // code, it cost the operator an attempt for a code Meta took): the journey calls again once it may, reading
        // Meta first. Any other failed read leaves the refusal as it was.
        const mayBeOurs = Context.current().info.isLocal || repeated(options);
        const taken = () =>
          showsVerified().catch((readErr: unknown) => {
            if (waitedOut(readErr)) throw readErr;
            return false;
          });
        if (!(err instanceof GraphError && err.code === 136025 && mayBeOurs && (await taken()))) {
          throw toActivityFailure(err);
        }
        // A repeat's earlier call was this journey's, with this code: that one took it. A first call cannot tell.
        const answer = verified();
        return repeated(options) ? answer : { ...answer, refusedButShownVerified: true };
      }
      return verified();
    },

    /**
     * Registers with the PIN and answers the status Meta shows afterwards. A repeated call first looks whether an
     * earlier one took: a number registered on the Cloud API — or, when the call applies an approved name, the
     * name in effect — is not registered again (Meta allows 10 register calls per 72 h).
     */
    async registerNumber(
      ref: NumberRef,
      request: { pin: string; applyingName?: string } & Repeat,
    ): Promise<{ status: string | null }> {
      if (repeated(request)) {
        const snapshot = await readNumber(ref);
        if (registrationTookEffect('register', snapshot, request.applyingName)) {
          return { status: snapshot.gone ? null : snapshot.status };
        }
      }
      await graphCall(() => graph.register(ref, { pin: request.pin }));
      return { status: await statusOf(ref) };
    },

    async deregisterNumber(ref: NumberRef, options: Repeat = {}): Promise<{ status: string | null }> {
      if (repeated(options)) {
        const snapshot = await readNumber(ref);
        if (registrationTookEffect('deregister', snapshot)) return { status: snapshot.gone ? null : snapshot.status };
      }
      await graphCall(() => graph.deregister(ref));
      return { status: 'DISCONNECTED' };
    },

    /** A repeated request finds the name already pending (or in effect) at Meta and is not sent again. */
    async requestDisplayNameChange(
      ref: NumberRef,
      displayName: string,
      options: Repeat = {},
    ): Promise<{ alreadyRequested: boolean }> {
      if (repeated(options)) {
        const snapshot = await readNumber(ref);
        if (!snapshot.gone && (snapshot.newDisplayName === displayName || snapshot.verifiedName === displayName)) {
          return { alreadyRequested: true };
        }
      }
      await graphCall(() => graph.requestDisplayNameChange(ref, displayName));
      return { alreadyRequested: false };
    },

    async enableIdentityCheck(ref: NumberRef): Promise<void> {
      await graphCall(() => graph.setIdentityCheck(ref, true));
    },

    /**
     * Meta runs each sync once and shows no sync state to read, so a repeated call that Meta refuses as already run
     * is what an earlier call's lost answer did: it is reported as started (docs/sandbox-assumptions.md).
     */
    async syncSmbAppData(
      ref: NumberRef,
      syncType: SmbSyncType,
      options: Repeat = {},
    ): Promise<{ requestId: string | null; alreadyRan: boolean }> {
      try {
        const { requestId } = await heartbeating(() => graph.syncSmbAppData(ref, syncType));
        return { requestId, alreadyRan: false };
      } catch (err) {
        if (repeated(options) && err instanceof GraphError && err.code === 100 && /already ran/i.test(err.message)) {
          return { requestId: null, alreadyRan: true };
        }
        throw toActivityFailure(err);
      }
    },
  };
}

interface FoundNumber {
  id: string;
  codeVerificationStatus: string | null;
  status: string | null;
  platformType: string | null;
}

/**
 * A number already on the WABA, matched by its digits: its phone_number_id, and when asked its code's status and its
 * own.
 */
async function findOnWaba(graph: GraphClient, wabaId: string, e164: string, readsCode: boolean) {
  const wanted = e164OfDisplay(e164);
  const fields: PhoneNumberField[] = [
    'display_phone_number',
    ...(readsCode ? (['code_verification_status', 'status', 'platform_type'] as const) : []),
  ];
  for await (const number of graph.allPhoneNumbers(wabaId, fields)) {
    if (number.display_phone_number && e164OfDisplay(number.display_phone_number) === wanted) {
      return {
        id: number.id,
        codeVerificationStatus: number.code_verification_status ?? null,
        status: number.status ?? null,
        platformType: number.platform_type ?? null,
      } satisfies FoundNumber;
    }
  }
  return null;
}

/** The numbers of a WABA that Meta shows CONNECTED, in E.164: they already hold slots of the portfolio's cap. */
/**
 * Meta's refusal of an add because the portfolio holds its cap of registered numbers: 200000 saying the limit was
 * reached (docs/sandbox-assumptions.md#registered-number-cap: Meta documents no code of its own for it).
 */
function isCapRefusal(err: GraphError): boolean {
  return err.code === 200000 && /\blimit\b/i.test(`${err.message} ${err.details ?? ''}`);
}

/**
 * Meta's error, with the numbers it holds registered: the journey's portfolio lowers its cap to that. The cap is the
 * portfolio's, over all its WABAs, and a WABA's token reads only its own: the limit Meta's refusal states ("reached its
 * limit of 6", docs/sandbox-assumptions.md#registered-number-cap) is taken when it states one, the WABA's count when not.
 */
async function capRefusalFailure(graph: GraphClient, err: GraphError, wabaId: string): Promise<ApplicationFailure> {
  const registered = await graphCall(() => registeredNumbers(graph, wabaId));
  const stated = /\blimit of (\d+)\b/i.exec(`${err.message} ${err.details ?? ''}`)?.[1];
  const detail: CapRefusalDetail = { registeredNumbers: stated === undefined ? registered.length : Number(stated) };
  return ApplicationFailure.create({
    type: GRAPH_FAILURE_TYPE,
    message: err.message,
    nonRetryable: true,
    details: [err.toSummary(), detail],
  });
}

/** The WABA's numbers Meta's registered-number cap counts (see countedByMeta). */
export async function registeredNumbers(graph: GraphClient, wabaId: string): Promise<string[]> {
  return countedNumbers(await numberStatuses(graph, wabaId));
}

/** Of a WABA's numbers and their statuses (numberStatuses), those Meta's cap counts. */
export function countedNumbers(statuses: ReadonlyMap<string, string>): string[] {
  return [...statuses].flatMap(([e164, status]) => (countedByMeta(status) ? [e164] : []));
}

export { countedByMeta };

/** The WABA's numbers and the status Meta shows each in (CONNECTED, FLAGGED, DISCONNECTED, …). */
export async function numberStatuses(graph: GraphClient, wabaId: string): Promise<Map<string, string>> {
  const statuses = new Map<string, string>();
  for await (const number of graph.allPhoneNumbers(wabaId, ['display_phone_number', 'status'])) {
    if (number.display_phone_number)
      statuses.set(e164OfDisplay(number.display_phone_number), number.status ?? 'UNKNOWN');
  }
  return statuses;
}

/** The running activity's logger (its workflow and activity named in each line); none when called outside one. */
function activityLog(): Context['log'] | undefined {
  try {
    return Context.current().log;
  } catch {
    return undefined;
  }
}
