// One answer for the activity layer to "may I retry this Graph failure, when, and what must a person do?".
import { GraphError, GraphResponseError, GraphTransportError, type GraphErrorClass } from './errors.js';
import { GraphInputError } from './inputs.js';
import { StoreKeyError } from '../stores/sealed.js';
import { MissingTokenError } from './tokens.js';

export interface GraphFailure {
  errorClass: GraphErrorClass;
  retryAfterMs?: number;
  /** Meta's code, for GraphError only. */
  code?: number;
  remediation: string;
}

export function classifyGraphFailure(err: unknown): GraphFailure {
  if (err instanceof GraphError) {
    return { errorClass: err.errorClass, retryAfterMs: err.retryAfterMs, code: err.code, remediation: err.remediation };
  }
  if (err instanceof GraphTransportError) {
    return {
      errorClass: 'transient',
      remediation: 'Graph could not be reached or did not answer in time; numberflow retries with backoff.',
    };
  }
  if (err instanceof GraphResponseError) {
    return {
      errorClass: 'permanent',
      remediation:
        "Meta answered in a shape numberflow does not expect (Meta may have changed the API): report it with the endpoint and Graph's answer.",
    };
  }
  if (err instanceof GraphInputError) {
    return { errorClass: 'permanent', remediation: `numberflow refused to send the call: ${err.message}.` };
  }
  if (err instanceof MissingTokenError) return { errorClass: 'permanent', remediation: err.remediation };
  if (err instanceof StoreKeyError) {
    return {
      errorClass: 'permanent',
      remediation: `${err.message}; or store the WABA's token again with \`numberflow token set\`.`,
    };
  }
  // Anything else (a token store that is down, a bug) may pass; the activity's retry policy bounds the attempts.
  return { errorClass: 'transient', remediation: 'An unexpected error occurred; numberflow retries a few times.' };
}
