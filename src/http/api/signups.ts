// POST /v1/signups: an onboarding service hands over what Meta's Embedded Signup popup gave its page; numberflow
// exchanges the code (within its 30 s), keeps the token sealed, subscribes the app and starts a journey per number.
// Idempotent on the code. A service process set up without the token store answers 501.
import { IntakeError } from '../../intake/errors.js';
import { signup, signupRequestSchema, type SignupDeps } from '../../intake/signup.js';
import { signupJourneySchema } from '../../intake/signup-record.js';
import { principalOf } from '../auth/hooks.js';
import { seesPortfolio } from '../auth/principals.js';
import { ApiError, type ErrorCode } from '../errors.js';
import { errors, secured, type ApiContext, type ZodApp } from './context.js';
import { z } from 'zod';

/** What the service needs for signups beside Temporal: Graph with the app's credentials, the stores. */
export type SignupServices = Pick<SignupDeps, 'graph' | 'tokens' | 'ledger'>;

const signupAnswer = z
  .object({
    wabaId: z.string(),
    businessId: z.string(),
    signupAt: z.string().describe('ISO 8601 time'),
    signupExpiresAt: z.string().describe('the end of the 14-day window: the numbers must be registered before'),
    repeated: z
      .boolean()
      .describe(
        'answered from an earlier signup with this code: nothing exchanged, and nothing started but a number refused for its display name that displayNames now names',
      ),
    journeys: z.array(signupJourneySchema),
  })
  .meta({ id: 'Signup' });

export function signupRoutes(app: ZodApp, context: ApiContext): void {
  const start = secured(context, 'start', ['signups']);
  app.post(
    '/v1/signups',
    {
      ...start,
      schema: {
        ...start.schema,
        summary:
          "finish an Embedded Signup (onboarding): exchange its code, keep the token, start the numbers' journeys",
        description:
          'Send it at once: the code lives 30 s. The same code again answers the same journeys (repeated: true); a number refused for its display name is started when displayNames names it anew. A journey started with a name of displayNames asks Meta for it, as a change Meta reviews, while Meta has not approved its own name for the number and the number is not registered yet. 403: the caller is limited to portfolios and the WABA is owned by another business at Meta (its token is not kept); 410: the code expired or the signup cannot be finished; 422: Meta refused the exchange or the business does not own the WABA; 502: Meta did not answer the exchange (or the read of a number started again under a new name).',
        body: signupRequestSchema.meta({ id: 'SignupRequest' }),
        response: {
          200: signupAnswer.describe('the signup and its journeys'),
          ...errors(400, 409, 410, 413, 415, 422, 501, 502),
        },
      },
    },
    async (request) => {
      const services = context.signups;
      if (!services) {
        throw new ApiError(501, 'not_configured', 'this service process has no token store for signups');
      }
      const principal = principalOf(request);
      if (!seesPortfolio(principal, request.body.businessId)) {
        throw new ApiError(
          403,
          'forbidden',
          `${principal.name} may not sign up in portfolio ${request.body.businessId}`,
        );
      }
      const limited = principal.portfolios !== null;
      const deps: SignupDeps = {
        ...services,
        temporal: context.client,
        taskQueue: context.taskQueue,
        ...(limited ? { mayUsePortfolio: (portfolioId: string) => seesPortfolio(principal, portfolioId) } : {}),
      };
      // Each signup's outcome in the log, for auditors: who signed up which WABA, and what came of it (the message
      // names Meta's answer; never the code or a token).
      const { wabaId, businessId, phoneNumberIds } = request.body;
      const about = { wabaId, businessId, numbers: phoneNumberIds.length, principal: principal.name };
      try {
        const outcome = await signup(deps, request.body, principal.name);
        const counts: Record<string, number> = {};
        for (const { outcome: kind } of outcome.journeys) counts[kind] = (counts[kind] ?? 0) + 1;
        request.log.info({ signup: { ...about, repeated: outcome.repeated, journeys: counts } }, 'signup finished');
        return outcome;
      } catch (err) {
        if (err instanceof IntakeError) {
          request.log.info({ signup: { ...about, refused: err.kind } }, `signup refused: ${err.message}`);
          throw new ApiError(err.httpStatus, codeOf(err.httpStatus), err.message, [], err.kind);
        }
        throw err;
      }
    },
  );
}

function codeOf(status: number): ErrorCode {
  if (status === 400) return 'invalid_request';
  if (status === 403) return 'forbidden';
  if (status === 409) return 'conflict';
  return 'refused';
}
