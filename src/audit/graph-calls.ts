// The journey's activities as an auditor reads them: which Graph endpoint each one calls, what it was for, and what
// came back — Meta's answer from a Graph failure's details, a short summary of a result. Inputs are read only where
// they name something harmless (the code method, the name sent to review, the sync type), never the code or PIN.
import type { Activities } from '../activities/index.js';
import { IDENTITY_REFUSED_TYPE } from '../domain/identity.js';
import { GRAPH_FAILURE_TYPE, GRAPH_UNREACHABLE_TYPE } from '../domain/meta-error.js';
import type { JourneyStage } from '../domain/stages.js';
import type { ProtoFailure } from './decode.js';
import {
  adoptedInField,
  allowed,
  codeMethodField,
  graphResultFields,
  metaErrorFields,
  syncTypeField,
} from './payloads.js';
import type { MetaAnswer } from './types.js';

type Result = NonNullable<ReturnType<typeof allowedResult>>;
const allowedResult = (value: unknown) => allowed(graphResultFields, value);

interface GraphCall {
  endpoint: string;
  /**
   * The stage the journey makes this call in, when it is always one: a journey from the fewer-visibility-writes
   * patch on does not write a stage worked inside one task, and the call made as a local activity shows it.
   */
  inStage?: JourneyStage;
  /** What the call was for; `args` are decoded only when `readsArgs`. */
  what: (args: unknown[]) => string;
  readsArgs?: boolean;
  answered: (result: Result) => string;
}

const PHONE_NUMBER = '/{phone-number-id}';
const status = (r: Result) => (r.status ? `status ${r.status}` : 'status unknown');

/** Every activity that calls Graph; the others (the portfolio's, the run's own cancel, the PIN) are not Meta's. */
export const graphCalls: Partial<Record<keyof Activities, GraphCall>> = {
  readNumber: {
    endpoint: `GET ${PHONE_NUMBER}`,
    readsArgs: true,
    // An adoption reads the WABA's owner first (GET /{waba-id}), and goes no further for another portfolio's WABA.
    what: (args) =>
      allowed(adoptedInField, args[0]) ? "read the WABA's owner, then the number at Meta" : 'read the number at Meta',
    answered: (r) =>
      r.gone
        ? 'Meta no longer has the number'
        : [
            status(r),
            r.codeVerificationStatus && `code ${r.codeVerificationStatus}`,
            r.nameStatus && `name ${r.verifiedName ? `"${r.verifiedName}" ` : ''}${r.nameStatus}`,
          ]
            .filter(Boolean)
            .join(', '),
  },
  addPhoneNumber: {
    endpoint: 'POST /{waba-id}/phone_numbers',
    inStage: 'ADDING',
    what: () => 'add the number to the WABA',
    answered: (r) =>
      `phone_number_id ${r.phoneNumberId ?? '?'}${r.alreadyAdded ? ' (already on the WABA)' : ''}${r.codeVerificationStatus === 'VERIFIED' ? ', its code verified' : ''}`,
  },
  requestCode: {
    endpoint: `POST ${PHONE_NUMBER}/request_code`,
    readsArgs: true,
    what: (args) => `request a verification code by ${allowed(codeMethodField, args[1])?.method ?? 'SMS or VOICE'}`,
    answered: (r) => (r.certain === false ? 'no answer: Meta may have sent a code' : 'code sent'),
  },
  verifyCode: {
    endpoint: `POST ${PHONE_NUMBER}/verify_code`,
    inStage: 'VERIFYING_CODE',
    what: () => 'verify the code an operator submitted',
    answered: (r) =>
      r.refusedButShownVerified
        ? 'Meta refused the code (136025) but shows the number verified: taken as verified'
        : 'code verified',
  },
  registerNumber: {
    endpoint: `POST ${PHONE_NUMBER}/register`,
    what: () => 'register the number with its two-step PIN',
    answered: (r) => `registered (${status(r)})`,
  },
  deregisterNumber: {
    endpoint: `POST ${PHONE_NUMBER}/deregister`,
    what: () => 'deregister the number',
    answered: (r) => `deregistered (${status(r)})`,
  },
  requestDisplayNameChange: {
    endpoint: `POST ${PHONE_NUMBER}?new_display_name`,
    readsArgs: true,
    what: (args) => {
      const name = typeof args[1] === 'string' ? ` "${args[1]}"` : '';
      return `send the display name${name} to Meta's review`;
    },
    answered: (r) => (r.alreadyRequested ? 'already under review at Meta' : 'sent to review'),
  },
  enableIdentityCheck: {
    endpoint: `POST ${PHONE_NUMBER}/settings`,
    what: () => 'turn on the identity-change check',
    answered: () => 'turned on',
  },
  setIdentityCheck: {
    endpoint: `POST ${PHONE_NUMBER}/settings`,
    readsArgs: true,
    // Without its arguments (a call Temporal retries, read from its description): either way.
    what: (args) =>
      args.length < 2
        ? 'turn the identity-change check on or off'
        : `turn ${args[1] === false ? 'off' : 'on'} the identity-change check`,
    answered: () => 'set',
  },
  sendText: {
    endpoint: `POST ${PHONE_NUMBER}/messages`,
    what: () => 'send a text message',
    answered: (r) =>
      r.messageId
        ? `sent ${r.messageId} ${r.withHash ? `with the identity hash ${r.withHash}` : 'without an identity hash'}`
        : 'sent',
  },
  syncSmbAppData: {
    endpoint: `POST ${PHONE_NUMBER}/smb_app_data`,
    readsArgs: true,
    what: (args) => `run the one-time ${allowed(syncTypeField, args[1]) ?? 'Business App'} sync`,
    answered: (r) => (r.alreadyRan ? 'had already run' : 'sync started'),
  },
};

export function graphCallOf(activityType: string): GraphCall | undefined {
  return Object.hasOwn(graphCalls, activityType) ? graphCalls[activityType as keyof Activities] : undefined;
}

export function answeredSummary(call: GraphCall, result: unknown): string {
  const fields = allowedResult(result ?? {});
  return fields ? call.answered(fields) : 'answered';
}

/** Meta's answer inside a Graph failure's details, in the timeline's terms. */
export function metaAnswerOf(detail: unknown): MetaAnswer | undefined {
  const meta = allowed(metaErrorFields, detail);
  if (!meta) return undefined;
  return {
    code: meta.code,
    ...(meta.subcode !== null ? { subcode: meta.subcode } : {}),
    ...(meta.type !== null ? { type: meta.type } : {}),
    message: meta.message,
    ...(meta.details ? { details: meta.details } : {}),
    ...(meta.fbtraceId !== null ? { fbtraceId: meta.fbtraceId } : {}),
  };
}

/**
 * A failed call's outcome: Meta's code when Meta answered, otherwise why no answer came. `detail` is the failure's
 * first detail: a send refused for the customer's identity says by it whether Meta was called at all.
 */
export function failedOutcome(
  failure: ProtoFailure | null | undefined,
  meta: MetaAnswer | undefined,
  detail?: unknown,
): string {
  if (meta) return `failed: Meta error ${meta.code}${meta.subcode !== undefined ? `/${meta.subcode}` : ''}`;
  const type = failure?.applicationFailureInfo?.type;
  if (type === IDENTITY_REFUSED_TYPE) {
    if (detail === 'IDENTITY_MISMATCH') return "failed: Meta error 137000 (the customer's identity changed)";
    return `not sent: refused before Meta was called (${failure?.message ?? 'the customer is not trusted'})`;
  }
  if (type === GRAPH_UNREACHABLE_TYPE) return `failed: Graph did not answer (${failure?.message ?? 'unreachable'})`;
  if (type === GRAPH_FAILURE_TYPE) return 'failed: Meta error (its details could not be read)';
  if (failure?.timeoutFailureInfo) return 'no answer: the attempt timed out';
  return `failed: ${type ? `${type}: ` : ''}${failure?.message ?? 'unknown failure'}`;
}
