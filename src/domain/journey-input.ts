// The edge's validation of a journey request: zod for shape, libphonenumber for the number itself.
import { z } from 'zod';
import '../zod-words.js'; // zod's words in numberflow's, for every schema of the process
import {
  codeMethods,
  onboardingPaths,
  pinPolicies,
  signupWindowClosedAt,
  type CodeMethod,
  type JourneyInput,
} from './journey.js';
import { DISPLAY_NAME_DOCUMENTED, validateDisplayName } from './display-name.js';
import { CLOCKS_APART_MS } from './events.js';
import { InvalidPhoneNumberError, parsePhoneNumber, receivesNoSms, type PhoneNumber } from './phone.js';
import { GRAPH_ID, LOCALE } from './input-shape.js';

export { GRAPH_ID };

const graphId = z.string().regex(GRAPH_ID, 'must be a numeric Graph id');

export const journeyRequestSchema = z
  .object({
    wabaId: graphId,
    portfolioId: graphId,
    // Checked here too (a Meta test number let through: only the rules across fields know if it may be one), so that
    // a bad number is named beside the other fields' problems; journeyInputFrom parses it.
    phoneNumber: z
      .string()
      .min(1, 'is required')
      .meta({
        description:
          "the number in international form (E.164, or with spaces and brackets); Meta's test numbers (+1 555 …) only with a phoneNumberId",
        examples: ['+14155552671'],
      })
      .superRefine((given, ctx) => {
        const number = given === '' ? null : phoneNumberOf(given, true);
        if (number && 'issue' in number) ctx.addIssue({ code: 'custom', message: number.issue.message });
      }),
    displayName: z
      .string()
      .meta(DISPLAY_NAME_DOCUMENTED)
      .transform((name, ctx) => {
        const checked = validateDisplayName(name);
        if (checked.ok) return checked.name;
        ctx.addIssue({ code: 'custom', message: checked.problem });
        return z.NEVER;
      }),
    path: z
      .enum(onboardingPaths)
      .default('cloud_api')
      .describe('coexistence: a number kept on the WhatsApp Business app, linked through Embedded Signup'),
    codeMethod: z
      .enum(codeMethods)
      .optional()
      .describe(
        'how Meta sends the code; left out: VOICE for an IVR number and for a line that receives no SMS by its numbering plan (a landline, toll-free, shared-cost or universal-access number), else SMS',
      ),
    ivr: z.boolean().default(false).describe('the number answers with an IVR: the code comes by voice call'),
    signupAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe(
        "when Embedded Signup shared the number: Meta's 14-day registration window runs from it; without it no window applies",
      ),
    phoneNumberId: graphId.optional().describe('a number Meta already has: adopted where Meta stands, never added'),
    pinPolicy: z
      .enum(pinPolicies)
      .default('generate')
      .describe('generate: numberflow draws the two-step PIN; operator: an operator submits it'),
    identityCheck: z
      .boolean()
      .default(false)
      .describe("check customers' identity hashes before each send once live (Meta error 137000)"),
    language: z.string().regex(LOCALE, 'must be a locale such as en_US').default('en_US'),
    requestedBy: z.string().trim().min(1).max(200).default('unknown'),
  })
  .strict();
export type JourneyRequest = z.input<typeof journeyRequestSchema>;
/** A request that passed the schema: the number and the rules across fields are checked by journeyInputFrom. */
export type CheckedJourneyRequest = z.output<typeof journeyRequestSchema>;

export interface InputIssue {
  /** The field, e.g. phoneNumber. */
  path: string;
  message: string;
}

export class JourneyInputError extends Error {
  override readonly name = 'JourneyInputError';
  /** "field: message", one per issue. */
  readonly problems: string[];
  constructor(readonly issues: InputIssue[]) {
    const problems = issues.map((i) => `${i.path}: ${i.message}`);
    super(`invalid journey request: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/**
 * A number numberflow adds must register within the 14-day window: past it, a new journey would only end
 * SIGNUP_EXPIRED. Checked where a journey is about to be started, not on a request that finds the journey it
 * started before. (An adopted number may be registered already, which the journey learns from Meta.)
 */
export function refuseClosedSignupWindow(input: JourneyInput, now: Date = new Date()): void {
  if (input.path === 'coexistence' || input.phoneNumberId !== undefined) return;
  const when = signupWindowClosedAt(input, now);
  if (when === null) return;
  throw new JourneyInputError([
    {
      path: 'signupAt',
      message: `the 14-day Embedded Signup window closed at ${when} (${clockReads(now)}); run Embedded Signup again`,
    },
  ]);
}

/** Said beside a refusal by this host's clock: the caller's may be minutes apart from it. */
const clockReads = (now: Date) => `this server's clock reads ${now.toISOString()}`;

/** What every edge says of a field a request does not have. */
export const UNKNOWN_FIELD = 'is not a field of this request';

/** Validates a request to start a journey; `now` fills signupAt when the caller gave none. */
export function parseJourneyRequest(raw: unknown, now: Date = new Date()): JourneyInput {
  const parsed = journeyRequestSchema.safeParse(raw);
  if (parsed.success) return journeyInputFrom(parsed.data, now);
  // An unknown field is named as its own problem, as the HTTP service names one (a batch row, an import's line).
  const issues = parsed.error.issues.flatMap(
    (i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((key) => ({ path: [...i.path, key].join('.'), message: UNKNOWN_FIELD }))
        : [{ path: i.path.join('.') || 'request', message: i.message }], // in zod-words' words
  );
  // A test number without its phone_number_id is named even when other fields are wrong: one answer, every problem.
  const given = raw as { phoneNumber?: unknown; phoneNumberId?: unknown } | null;
  if (typeof given?.phoneNumber === 'string' && !issues.some((i) => i.path === 'phoneNumber')) {
    const number = phoneNumberOf(given.phoneNumber, typeof given.phoneNumberId === 'string');
    if ('issue' in number) issues.push(number.issue);
  }
  throw new JourneyInputError(issues);
}

/** The journey's input from a request the schema passed: its number parsed, the rules across fields checked. */
export function journeyInputFrom(request: CheckedJourneyRequest, now: Date = new Date()): JourneyInput {
  const number = phoneNumberOf(request.phoneNumber, request.phoneNumberId !== undefined);
  if ('issue' in number) throw new JourneyInputError([number.issue]);
  // An IVR never passes an SMS to a person; Meta's voice call can be redirected to one (docs/meta-graph-api.md#requesting-a-code).
  if (request.ivr && request.codeMethod === 'SMS') {
    throw new JourneyInputError([
      { path: 'codeMethod', message: 'an IVR number cannot receive the code by SMS; use VOICE' },
    ]);
  }
  if (request.path === 'coexistence' && !request.phoneNumberId) {
    throw new JourneyInputError([
      {
        path: 'phoneNumberId',
        message: 'a coexistence number is linked through Embedded Signup; give the phone_number_id it returned',
      },
    ]);
  }
  const signupAt = new Date(request.signupAt ?? now);
  if (signupAt.getTime() > now.getTime() + CLOCKS_APART_MS) {
    throw new JourneyInputError([{ path: 'signupAt', message: `is in the future (${clockReads(now)})` }]);
  }
  return {
    ...request,
    phoneNumber: number.phoneNumber,
    codeMethod: request.codeMethod ?? defaultCodeMethod(request.ivr, number.phoneNumber.e164),
    signupAt: signupAt.toISOString(),
    // No signup time, no Embedded Signup: no window to register within.
    ...(request.signupAt === undefined ? { signupWindow: false } : {}),
  };
}

/**
 * How Meta sends the code when the caller did not say: by voice to an IVR number and to a line that receives no SMS
 * (a lost SMS costs one of the few code requests Meta allows), else by SMS.
 */
export function defaultCodeMethod(ivr: boolean, e164: string): CodeMethod {
  return ivr || receivesNoSms(e164) ? 'VOICE' : 'SMS';
}

/** Meta's test numbers exist only in Meta, so only their phone_number_id can bring one in. */
function phoneNumberOf(given: string, withId: boolean): { phoneNumber: PhoneNumber } | { issue: InputIssue } {
  try {
    return { phoneNumber: parsePhoneNumber(given, { metaTestNumber: withId }) };
  } catch (err) {
    if (!(err instanceof InvalidPhoneNumberError)) throw err;
    return { issue: { path: 'phoneNumber', message: err.message } };
  }
}
