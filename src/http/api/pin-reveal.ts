// POST /v1/journeys/{e164}/pin-reveal: an admin reads back the two-step PIN numberflow set on a number. The journey
// notes who and why (the principal, the reason given); the log records the reveal, never the PIN; the answer is
// never stored by a cache. The PIN comes back sealed: only a process holding the private secrets key opens it.
import { elsewhere, PinRevealError, revealPin } from '../../pin-reveal.js';
import { principalOf } from '../auth/hooks.js';
import { ensureSeesJourney } from '../auth/journey-scope.js';
import { ApiError } from '../errors.js';
import { errors, secured, type ApiContext, type ZodApp } from './context.js';
import { e164Params, pinRevealBody, revealedPinAnswer } from './schemas.js';

export function pinRevealRoutes(app: ZodApp, context: ApiContext): void {
  const { client } = context;
  const administer = secured(context, 'administer', ['actions']);
  app.post(
    '/v1/journeys/:e164/pin-reveal',
    {
      ...administer,
      schema: {
        ...administer.schema,
        summary:
          'read back the two-step PIN numberflow set on the number (admins; noted in the journey with the reason)',
        description:
          'Needs a service process holding the private secrets key (NUMBERFLOW_SECRETS_KEY): `npm start` has it, `npm run service` alone does not (501).',
        params: e164Params,
        body: pinRevealBody,
        response: {
          200: revealedPinAnswer.describe('the PIN (Cache-Control: no-store)'),
          ...errors(400, 404, 409, 413, 415, 501),
        },
      },
    },
    async (request, reply) => {
      const { e164 } = request.params;
      const principal = principalOf(request);
      await ensureSeesJourney(client, principal, e164);
      const reveal = { actor: principal.name, role: 'admin', reason: request.body.reason };
      const pin = await revealPin(client, e164, reveal, request.log).catch((err: unknown) => {
        if (!(err instanceof PinRevealError)) throw err;
        throw new ApiError(501, 'not_configured', elsewhere(err));
      });
      return reply.header('cache-control', 'no-store').send({ pin });
    },
  );
}
