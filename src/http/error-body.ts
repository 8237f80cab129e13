// The one error shape of the HTTP service, {error: {code, message, problems[]}}: the contract the service answers
// with and the command line parses (apart from the handler, so that a client loads only zod for it).
import { z } from 'zod';
import { intakeErrorKinds } from '../intake/errors.js';

export const errorCodes = [
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'invalid_request',
  'malformed_json',
  'body_too_large',
  'unsupported_media_type',
  'conflict',
  'idempotency_conflict',
  'refused',
  'temporal_unavailable',
  'store_unavailable',
  'key_missing',
  'workflow_task_failing',
  'update_aborted',
  'service_stopping',
  'internal',
  'not_configured',
  'customer_untrusted',
  'identity_mismatch',
  'too_many_streams',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const problemSchema = z
  .object({
    in: z.enum(['body', 'header', 'query', 'path']),
    field: z.string().describe('e.g. phoneNumber, Idempotency-Key; empty for the whole body'),
    message: z.string(),
  })
  .meta({ id: 'Problem' });
export type Problem = z.output<typeof problemSchema>;

/** A problem as a person reads it: with its field, unless its words name it ("the code must be 6 digits, got 5"). */
export function problemLine({ field, message }: Pick<Problem, 'field' | 'message'>): string {
  return field === '' || message.startsWith(`the ${field}`) ? message : `${field}: ${message}`;
}

export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(errorCodes),
      message: z.string(),
      problems: z.array(problemSchema).describe('what is wrong with the request, field by field'),
      // Any text read back: a client older than a reason a newer service adds still reads the error.
      reason: z
        .enum(intakeErrorKinds)
        .or(z.string())
        .optional()
        .describe(
          "an Embedded Signup's refusal only: why, for a client to branch on (code-used: run Embedded Signup again; in-progress: send the same signup again in a few seconds; …)",
        ),
    }),
  })
  .meta({ id: 'Error', description: 'every error of the API has this shape' });
export type ErrorBody = z.output<typeof errorSchema>;
/** The error as a client reads it: a code a newer service adds is read as text (its message says what happened). */
export const errorReadSchema = z.object({
  error: errorSchema.shape.error.extend({ code: z.enum(errorCodes).or(z.string()) }),
});
export type ErrorReason = (typeof intakeErrorKinds)[number];
