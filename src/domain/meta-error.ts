// A Graph API error as the journey keeps and shows it: Meta's code and trace id, and what to do about it.
export type MetaErrorClass = 'transient' | 'rate_limited' | 'permanent';

export interface MetaError {
  code: number;
  subcode: number | null;
  type: string | null;
  message: string;
  details: string | null;
  fbtraceId: string | null;
  httpStatus: number;
  errorClass: MetaErrorClass;
  retryAfterMs: number | null;
  remediation: string;
  endpoint: string | null;
}

/** `text`, then Meta's `details` where it gave any (a rule its bare message leaves out: "invalid parameter"). */
export function withDetails(text: string, details: string | null | undefined): string {
  return details ? `${text}: ${details}` : text;
}

/** The ApplicationFailure type an activity throws for a Graph error; details[0] is the MetaError. */
export const GRAPH_FAILURE_TYPE = 'GraphError';
/** The ApplicationFailure type for a Graph call that got no answer (network down, timeout): an outage. */
export const GRAPH_UNREACHABLE_TYPE = 'GraphUnreachable';
/** The activity failure of a token store that did not answer: nothing reached Meta; waited out as Graph unreachable. */
export const TOKEN_STORE_UNAVAILABLE_TYPE = 'TokenStoreUnavailable';
/** Failures of a call that never reached Meta, and may pass with time: waited out, then the call made again. */
export const UNREACHED_TYPES: readonly string[] = [GRAPH_UNREACHABLE_TYPE, TOKEN_STORE_UNAVAILABLE_TYPE];

/** Meta refuses the token itself (190: invalid, expired or revoked; 0: AuthException): a new token is needed. */
export const TOKEN_REFUSED_CODES: readonly number[] = [190, 0];
/** The activity failures of a token numberflow has not got (none stored) or cannot open (another store key). */
export const STORE_KEY_FAILURE_TYPE = 'StoreKeyError';
export const TOKEN_UNAVAILABLE_TYPES: readonly string[] = ['MissingTokenError', STORE_KEY_FAILURE_TYPE];

/** What the add activity learnt beside Meta's 200000 when Meta refused it at the portfolio's cap. */
export interface CapRefusalDetail {
  registeredNumbers: number;
}
