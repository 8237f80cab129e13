// One table for every Graph API error code numberflow meets (docs/meta-graph-api.md#error-codes), with its class and the
// remediation a person can act on (docs/meta-graph-api.md#error-codes). Both the client and the sandbox read it.

import type { MetaError, MetaErrorClass } from '../domain/meta-error.js';
import { DEREGISTERED_ALREADY, IVR_ADVICE } from '../domain/wait-texts.js';

/** transient: back off and retry; rate_limited: wait (retryAfterMs), then retry; permanent: a person must act. */
export type GraphErrorClass = MetaErrorClass;

export interface GraphErrorSpec {
  /** Meta's title, as it appears after "(#code)" in error.message. */
  title: string;
  /** The HTTP status Meta answers with. */
  http: number;
  class: GraphErrorClass;
  /** For rate limits: how long Meta blocks the call when no header says otherwise. */
  retryAfterMs?: number;
  remediation: string;
  /** Where the catalog's words are a registration's and the call was a deregistration (a removal's). */
  deregisterRemediation?: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const permission: GraphErrorSpec = {
  title: 'Permission denied',
  http: 403,
  class: 'permanent',
  remediation:
    'The token lacks rights on this WABA or number: a portfolio admin must grant whatsapp_business_management ' +
    '(and whatsapp_business_messaging to register), or the number is controlled by another portfolio or partner.',
};
const authentication: GraphErrorSpec = {
  title: 'Error validating access token',
  http: 401,
  class: 'permanent',
  remediation:
    'The access token is invalid or expired: issue a new system-user token for this WABA (or run the Embedded Signup code exchange again) and retry.',
};
const appRateLimit: GraphErrorSpec = {
  title: 'Application request limit reached',
  http: 400,
  class: 'rate_limited',
  retryAfterMs: 5 * MINUTE,
  remediation: "Meta's call-rate limit for the app was reached; numberflow waits and retries.",
};
const wabaRateLimit: GraphErrorSpec = {
  title: 'Rate limit hit',
  http: 400,
  class: 'rate_limited',
  retryAfterMs: 5 * MINUTE,
  remediation:
    "Meta's call-rate limit for this WABA was reached (200 calls/hour, 5,000 with a registered number); numberflow waits and retries.",
};

export const graphErrorCatalog: Readonly<Record<number, GraphErrorSpec>> = {
  0: { ...authentication, title: 'AuthException' },
  190: authentication,
  1: {
    title: 'API Unknown',
    http: 400,
    class: 'transient',
    remediation:
      'Meta reported an unknown, possibly temporary error; numberflow retries a few times. If it persists, quote the fbtrace_id to Meta support.',
  },
  2: {
    title: 'API Service',
    http: 503,
    class: 'transient',
    remediation: 'Meta is down or overloaded; numberflow retries with backoff.',
  },
  3: {
    title: 'API Method',
    http: 500,
    class: 'permanent',
    remediation:
      "The app lacks the capability or permission for this call: check the app's permissions and Advanced Access in the Meta app dashboard.",
  },
  4: appRateLimit,
  17: { ...appRateLimit, title: 'User request limit reached' },
  10: permission,
  200: permission,
  33: {
    title: 'Business number deleted',
    http: 400,
    class: 'permanent',
    remediation: 'This phone number was deleted from the WABA: add it again (a new journey).',
  },
  100: {
    title: 'Invalid parameter',
    http: 400,
    class: 'permanent',
    remediation:
      'Meta refused a parameter or the object: if it names an unknown id, an old phone_number_id may still be in use (a re-added number gets a new id) — look the number up again.',
  },
  368: {
    title: 'Temporarily blocked for policies violations',
    http: 403,
    class: 'permanent',
    remediation:
      'The account is temporarily blocked for a policy violation: review Account Quality in WhatsApp Manager.',
  },
  80007: wabaRateLimit,
  80008: wabaRateLimit,
  130429: {
    title: 'Rate limit hit',
    http: 400,
    class: 'rate_limited',
    retryAfterMs: 1_000,
    remediation: 'The message throughput of the number was exceeded; numberflow slows down and retries.',
  },
  131000: {
    title: 'Something went wrong',
    http: 500,
    class: 'transient',
    remediation: 'Meta failed for an unknown reason; numberflow retries with backoff.',
  },
  131005: { ...permission, title: 'Access denied' },
  131008: {
    title: 'Required parameter is missing',
    http: 400,
    class: 'permanent',
    remediation: 'A required parameter was missing: this is a numberflow bug, please report it with the fbtrace_id.',
  },
  131009: {
    title: 'Parameter value is not valid',
    http: 400,
    class: 'permanent',
    remediation: "A parameter's value was refused: check the phone number, display name and PIN format.",
  },
  131016: {
    title: 'Service unavailable',
    http: 500,
    class: 'transient',
    remediation: 'Meta is temporarily unavailable; numberflow retries with backoff.',
  },
  131031: {
    title: 'Account has been locked',
    http: 403,
    class: 'permanent',
    remediation: 'The account is locked (policy or a wrong two-step PIN): check Account Quality in WhatsApp Manager.',
  },
  131045: {
    title: 'Incorrect certificate',
    http: 500,
    class: 'permanent',
    remediation: 'The number is not properly registered: register it again.',
  },
  131056: {
    title: '(Business Account, Consumer Account) pair rate limit hit',
    http: 400,
    class: 'rate_limited',
    retryAfterMs: MINUTE,
    remediation: 'Too many messages to the same recipient; wait before sending again.',
  },
  131057: {
    title: 'Account in maintenance mode',
    http: 500,
    class: 'transient',
    retryAfterMs: MINUTE,
    remediation: 'The number is in maintenance (e.g. a throughput upgrade, about a minute); numberflow retries.',
  },
  133000: {
    title: 'Incomplete deregistration',
    http: 500,
    class: 'permanent',
    remediation:
      'An earlier deregistration did not finish: Meta asks for a deregister, then a register, which numberflow makes itself, once, before the number goes live (a live number it never deregisters); met again after that, or on a live number, ask Meta support (Direct Support), giving the fbtrace_id.',
  },
  133004: {
    title: 'Server temporarily unavailable',
    http: 503,
    class: 'transient',
    remediation: 'Meta is temporarily unavailable; numberflow retries with backoff.',
  },
  133005: {
    title: 'Two step verification PIN Mismatch',
    http: 400,
    class: 'permanent',
    remediation:
      'Two-step verification already holds another PIN: a number that was deleted and re-added keeps its old PIN. ' +
      'Submit the old PIN, or have an admin turn two-step verification off in WhatsApp Manager (email confirmation).',
  },
  133006: {
    title: 'Phone number re-verification needed',
    http: 400,
    class: 'permanent',
    remediation: 'The number must be verified again before it can be registered: request a new code and verify it.',
  },
  133008: {
    title: 'Too many two step verification PIN guesses for this phone number',
    http: 400,
    class: 'rate_limited',
    retryAfterMs: 12 * HOUR,
    remediation:
      "Too many wrong PINs: numberflow waits as long as Meta's details say (12 hours when they name no wait), then tries the right PIN.",
  },
  133009: {
    title: 'Two step verification PIN was entered too quickly',
    http: 400,
    class: 'rate_limited',
    retryAfterMs: MINUTE,
    remediation:
      "PINs were tried too fast: numberflow waits as long as Meta's details say (a minute when they name no wait), then tries again.",
  },
  133010: {
    title: 'Account not registered',
    http: 400,
    class: 'permanent',
    remediation: 'The number is not registered on the Cloud API: register it with its 6-digit PIN.',
    deregisterRemediation: DEREGISTERED_ALREADY,
  },
  133015: {
    title: 'Please wait a few minutes before attempting to register this phone number',
    http: 400,
    class: 'rate_limited',
    retryAfterMs: 5 * MINUTE,
    remediation:
      'The number was deleted moments ago and its deletion is still in progress: numberflow waits about 5 minutes and retries.',
  },
  133016: {
    title: 'Account register deregister rate limit exceeded',
    http: 400,
    class: 'rate_limited',
    retryAfterMs: 72 * HOUR,
    remediation:
      'The number reached 10 register/deregister calls in 72 hours and is blocked for 72 hours: numberflow waits it out, then registers once.',
    deregisterRemediation:
      'The number reached 10 register/deregister calls in 72 hours and is blocked for 72 hours: numberflow waits it out, then deregisters once.',
  },
  136024: {
    title: 'Request code error',
    http: 400,
    class: 'permanent',
    remediation:
      'Meta could not send the code: check that the number receives SMS or calls from international numbers, ' +
      'that it is not registered elsewhere (delete it from the WhatsApp app or the other account first), and that ' +
      'codes are not requested too often (Meta refuses new codes for a while after several: a journey refused its ' +
      `first code asks again by itself an hour later; one started again sooner is refused too). ${IVR_ADVICE}`,
  },
  136025: {
    title: 'Verify code error',
    http: 400,
    class: 'permanent',
    remediation: 'The code is wrong or has expired: check the latest code received, or ask for a new one.',
  },
  137000: {
    title: 'Identity key mismatch',
    http: 400,
    class: 'permanent',
    remediation:
      "The customer's WhatsApp identity changed (recycled number?): re-verify them through another channel, then send once without the hash.",
  },
  200000: {
    title: 'Cannot add phone number to WhatsApp Business Account',
    http: 400,
    class: 'permanent',
    remediation:
      "Meta refused to add the number (its message says which): it may be registered elsewhere (delete it from the WhatsApp app or the other WABA first), the portfolio's registered-number cap may be reached, the account may be restricted from adding numbers (RESTRICTED_ADD_PHONE_NUMBER_ACTION: WhatsApp Manager's account overview says until when), or the number's format, provider or type is unsupported.",
  },
};

/** Codes 200-299 are all permission errors. */
export function graphErrorSpec(code: number): GraphErrorSpec | undefined {
  return graphErrorCatalog[code] ?? (code >= 200 && code <= 299 ? permission : undefined);
}

const unknownSpec: GraphErrorSpec = {
  title: 'Unknown error',
  http: 400,
  class: 'permanent',
  remediation:
    'Meta returned an error numberflow does not know: read its message and details, and quote the fbtrace_id to Meta support.',
};

export interface GraphErrorFields {
  code: number;
  subcode?: number;
  type?: string;
  message: string;
  details?: string;
  fbtraceId?: string;
  httpStatus: number;
  /** Set by X-Business-Use-Case-Usage's estimated_time_to_regain_access when present. */
  retryAfterMs?: number;
  /** "POST /{id}/register" — the endpoint, never its token. */
  endpoint?: string;
}

/** A Graph API error answer, typed and classified. Its message never holds a token, PIN or code. */
export class GraphError extends Error {
  override readonly name = 'GraphError';
  readonly code: number;
  readonly subcode?: number;
  readonly type?: string;
  readonly metaMessage: string;
  readonly details?: string;
  readonly fbtraceId?: string;
  readonly httpStatus: number;
  readonly errorClass: GraphErrorClass;
  readonly retryAfterMs?: number;
  readonly remediation: string;
  readonly endpoint?: string;

  constructor(fields: GraphErrorFields) {
    const spec = graphErrorSpec(fields.code) ?? unknownSpec;
    const where = fields.endpoint ? `${fields.endpoint}: ` : '';
    super(`${where}Meta error ${fields.code}: ${fields.message}${fields.details ? ` (${fields.details})` : ''}`);
    this.code = fields.code;
    this.subcode = fields.subcode;
    this.type = fields.type;
    this.metaMessage = fields.message;
    this.details = fields.details;
    this.fbtraceId = fields.fbtraceId;
    this.httpStatus = fields.httpStatus;
    // 100/33 is an unknown object: the remediation for a stale phone_number_id fits it best.
    this.errorClass = spec.class;
    this.retryAfterMs = spec.class === 'rate_limited' ? (fields.retryAfterMs ?? spec.retryAfterMs) : undefined;
    const deregistering = fields.endpoint?.endsWith('/deregister') === true;
    this.remediation = (deregistering ? spec.deregisterRemediation : undefined) ?? spec.remediation;
    this.endpoint = fields.endpoint;
  }

  /** A plain, secret-free summary, e.g. for ApplicationFailure details and the journey query. */
  toSummary(): GraphErrorSummary {
    return {
      code: this.code,
      subcode: this.subcode ?? null,
      type: this.type ?? null,
      message: this.metaMessage,
      details: this.details ?? null,
      fbtraceId: this.fbtraceId ?? null,
      httpStatus: this.httpStatus,
      errorClass: this.errorClass,
      retryAfterMs: this.retryAfterMs ?? null,
      remediation: this.remediation,
      endpoint: this.endpoint ?? null,
    };
  }
}

export type GraphErrorSummary = MetaError;

/** The network failed or timed out before Meta answered: always transient. */
export class GraphTransportError extends Error {
  override readonly name = 'GraphTransportError';
  readonly errorClass: GraphErrorClass = 'transient';
  /** False only when the request surely never left (no connection): a non-idempotent call may then be retried. */
  readonly requestMayHaveReachedMeta: boolean;
  constructor(
    message: string,
    readonly endpoint: string,
    options?: { cause?: unknown; requestMayHaveReachedMeta?: boolean },
  ) {
    super(`${endpoint}: ${message}`, options);
    this.requestMayHaveReachedMeta = options?.requestMayHaveReachedMeta ?? true;
  }
}

/** Meta answered 2xx with a body that does not match what the endpoint returns. */
export class GraphResponseError extends Error {
  override readonly name = 'GraphResponseError';
  readonly errorClass: GraphErrorClass = 'permanent';
  constructor(
    message: string,
    readonly endpoint: string,
  ) {
    super(`${endpoint}: unexpected response: ${message}`);
  }
}
