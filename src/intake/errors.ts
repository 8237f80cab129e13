// What an intake refuses, said so that the caller knows what to do. `kind` is stable (for the HTTP API and tests);
// the message never holds the code or a token.
import { signupFailureKinds } from './signup-record.js';

export const intakeErrorKinds = [
  ...signupFailureKinds,
  'invalid-request',
  'in-progress',
  'unfinished',
  'token-refused',
] as const;
export type IntakeErrorKind = (typeof intakeErrorKinds)[number];

const httpStatus: Record<IntakeErrorKind, number> = {
  'invalid-request': 400,
  'token-not-for-waba': 403,
  'token-refused': 403,
  'waba-outside-portfolios': 403,
  'code-used': 409,
  'in-progress': 409,
  'code-expired': 410,
  'token-revoked': 410,
  incomplete: 410,
  'business-mismatch': 422,
  'exchange-refused': 422,
  'exchange-unanswered': 502,
  unfinished: 502,
};

export class IntakeError extends Error {
  override readonly name = 'IntakeError';
  constructor(
    readonly kind: IntakeErrorKind,
    message: string,
  ) {
    super(message);
  }

  /** The status the HTTP API answers with. */
  get httpStatus(): number {
    return httpStatus[this.kind];
  }
}

export const RUN_SIGNUP_AGAIN = 'run Embedded Signup again and send its new code at once';
