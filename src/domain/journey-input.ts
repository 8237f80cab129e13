// The edge's validation of a journey request: zod for shape, libphonenumber for the number itself.
import { z } from 'zod';
import { codeMethods, onboardingPaths, pinPolicies, type JourneyInput } from './journey.js';
import { validateDisplayName } from './display-name.js';
import { InvalidPhoneNumberError, parsePhoneNumber } from './phone.js';

/** Graph object ids (WABA, portfolio, phone number) are numeric strings. */
export const GRAPH_ID = /^\d{1,32}$/;
const graphId = z.string().regex(GRAPH_ID, 'must be a numeric Graph id');

export const journeyRequestSchema = z
  .object({
    wabaId: graphId,
    portfolioId: graphId,
    phoneNumber: z.string().min(1, 'is required'),
    displayName: z.string().transform((name, ctx) => {
      const checked = validateDisplayName(name);
      if (checked.ok) return checked.name;
      ctx.addIssue({ code: 'custom', message: checked.problem });
      return z.NEVER;
    }),
    path: z.enum(onboardingPaths).default('cloud_api'),
    codeMethod: z.enum(codeMethods).optional(),
    ivr: z.boolean().default(false),
    signupAt: z.iso.datetime({ offset: true }).optional(),
    phoneNumberId: graphId.optional(),
    pinPolicy: z.enum(pinPolicies).default('generate'),
    identityCheck: z.boolean().default(false),
    language: z
      .string()
      .regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'must be a locale such as en_US')
      .default('en_US'),
    requestedBy: z.string().trim().min(1).max(200).default('unknown'),
  })
  .strict();
export type JourneyRequest = z.input<typeof journeyRequestSchema>;

export class JourneyInputError extends Error {
  override readonly name = 'JourneyInputError';
  constructor(readonly problems: string[]) {
    super(`invalid journey request: ${problems.join('; ')}`);
  }
}

/** Validates a request to start a journey; `now` fills signupAt when the caller gave none. */
export function parseJourneyRequest(raw: unknown, now: Date = new Date()): JourneyInput {
  const parsed = journeyRequestSchema.safeParse(raw);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`);
  // The number is checked even when other fields are wrong, so one answer names every problem.
  const given = raw as { phoneNumber?: unknown; phoneNumberId?: unknown } | null;
  const givenNumber = given?.phoneNumber;
  let phoneNumber;
  if (typeof givenNumber === 'string' && givenNumber !== '') {
    try {
      // Meta's test numbers exist only in Meta, so only their phone_number_id can bring one in.
      phoneNumber = parsePhoneNumber(givenNumber, { metaTestNumber: typeof given?.phoneNumberId === 'string' });
    } catch (err) {
      if (!(err instanceof InvalidPhoneNumberError)) throw err;
      problems.push(`phoneNumber: ${err.message}`);
    }
  }
  if (!parsed.success || !phoneNumber) throw new JourneyInputError(problems);
  const request = parsed.data;
  // An IVR never passes an SMS to a person; Meta's voice call can be redirected to one (docs/meta-graph-api.md#requesting-a-code).
  if (request.ivr && request.codeMethod === 'SMS') {
    throw new JourneyInputError(['codeMethod: an IVR number cannot receive the code by SMS; use VOICE']);
  }
  if (request.path === 'coexistence' && !request.phoneNumberId) {
    throw new JourneyInputError([
      'phoneNumberId: a coexistence number is linked through Embedded Signup; give the phone_number_id it returned',
    ]);
  }
  const signupAt = new Date(request.signupAt ?? now);
  if (signupAt.getTime() > now.getTime() + 60_000) {
    throw new JourneyInputError(['signupAt: is in the future']);
  }
  return {
    ...request,
    phoneNumber,
    codeMethod: request.codeMethod ?? (request.ivr ? 'VOICE' : 'SMS'),
    signupAt: signupAt.toISOString(),
  };
}
