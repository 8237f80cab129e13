// Meta's error answers, built from the one error table (src/graph/errors.ts) so the sandbox and the client agree on
// every code's title and HTTP status (docs/meta-graph-api.md#error-body).
import { graphErrorSpec } from '../graph/errors.js';

export interface MetaErrorBody {
  error: {
    message: string;
    type: 'OAuthException' | 'GraphMethodException';
    code: number;
    error_subcode?: number;
    error_data?: { messaging_product: 'whatsapp'; details: string };
    fbtrace_id: string;
  };
}

/** Thrown by the sandbox's rules; the server turns it into Meta's error body with the right HTTP status. */
export class GraphApiError extends Error {
  override readonly name = 'GraphApiError';
  constructor(
    readonly code: number,
    readonly details: string,
  ) {
    super(`(#${code}) ${details}`);
  }

  get httpStatus(): number {
    return graphErrorSpec(this.code)?.http ?? 400;
  }

  body(fbtraceId: string): MetaErrorBody {
    return {
      error: {
        message: `(#${this.code}) ${graphErrorSpec(this.code)?.title ?? 'Unknown error'}`,
        type: 'OAuthException',
        code: this.code,
        error_data: { messaging_product: 'whatsapp', details: this.details },
        fbtrace_id: fbtraceId,
      },
    };
  }
}

/** The unknown-or-inaccessible object answer (100, subcode 33), word for word as Meta sends it (docs/meta-graph-api.md#transport). */
export class UnknownObjectError extends GraphApiError {
  constructor(
    readonly objectId: string,
    readonly method: string,
  ) {
    super(100, `Object with ID '${objectId}' does not exist`);
  }

  override body(fbtraceId: string): MetaErrorBody {
    return {
      error: {
        message:
          `Unsupported ${this.method.toLowerCase()} request. Object with ID '${this.objectId}' does not exist, ` +
          'cannot be loaded due to missing permissions, or does not support this operation. ' +
          'Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api',
        type: 'GraphMethodException',
        code: 100,
        error_subcode: 33,
        fbtrace_id: fbtraceId,
      },
    };
  }
}

/** 100 "Invalid parameter", naming the parameter in details. */
export function invalidParameter(details: string): GraphApiError {
  return new GraphApiError(100, details);
}
