// `POST /journeys/:e164/pin-reveal`: an admin reads back the two-step PIN numberflow set, as the API's pin-reveal and
// `numberflow reveal-pin` do (the same update: the journey notes who and why). The answer is the journey's page with
// the PIN shown once: console pages are never stored, and the live script puts the page's own address back, so a
// reload shows the page without it. The service's log records the reveal, never the PIN.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { describeJourney } from '../../../journeys/index.js';
import { elsewhere, PinRevealError, revealPin } from '../../../pin-reveal.js';
import { e164Params, pinRevealBody } from '../../api/schemas.js';
import { ensureMay } from '../../auth/hooks.js';
import { describeJourneyFor } from '../../auth/journey-scope.js';
import { requireCsrf, requireSession, sendPage, sessionFrom, type ConsoleContext } from '../context.js';
import { PIN_REVEAL } from '../pages/forms.js';
import { actionName } from '../paths.js';
import { formFields, formProblems, journeyPageFor, keptOf, refusal, type Answer } from './journey.js';

export function pinRevealRoutes(app: FastifyInstance, context: ConsoleContext): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    `/journeys/:e164/${PIN_REVEAL}`,
    {
      onRequest: requireSession(context),
      preHandler: requireCsrf(
        context,
        (request) => sessionFrom(request).cookie,
        (request) => actionName((request.params as { e164: string }).e164, PIN_REVEAL),
      ),
      schema: { params: e164Params },
    },
    async (request, reply) => {
      const { e164 } = request.params;
      const session = sessionFrom(request);
      const { principal } = session;
      const before = await describeJourneyFor(context.client, principal, e164); // another portfolio's: not found
      ensureMay(principal, 'administer');
      const fields = formFields(request.body);
      const body = pinRevealBody.safeParse(fields);
      let answer: Answer | { pin: string };
      if (!body.success) {
        answer = refusal(formProblems(body.error.issues, { reason: 'why read the PIN back' }), 400, 'reason');
      } else {
        const reveal = { actor: principal.name, role: 'admin', reason: body.data.reason };
        answer = await revealPin(context.client, e164, reveal, request.log).then(
          (pin) => ({ pin }),
          (err: unknown) => refused(err),
        );
      }
      // Read again for the note; a PIN read back is shown even when that read fails (it was noted all the same).
      const view = await describeJourney(context.client, e164).catch(() => before);
      if ('pin' in answer) {
        const shown = { revealedPin: answer.pin };
        // Its customers left out if their store fails now: the PIN is not lost to a page that could not be made.
        const { identities: _customers, ...withoutCustomers } = context;
        const page = await journeyPageFor(context, session, view, shown).catch(() =>
          journeyPageFor(withoutCustomers, session, view, shown),
        );
        return sendPage(reply, page);
      }
      const kept = keptOf(PIN_REVEAL, fields, answer.field);
      return sendPage(
        reply,
        await journeyPageFor(context, session, view, { outcome: answer.outcome, kept }),
        answer.status,
      );
    },
  );
}

/** The journey's refusal (no PIN set, a reason refused), or a service that cannot open the PIN, as the page says it. */
function refused(err: unknown): Answer {
  if (err instanceof WorkflowUpdateFailedError) {
    const message = err.cause?.message ?? err.message;
    return refusal(message, 409, /^(a|the) reason\b/.test(message) ? 'reason' : undefined);
  }
  if (err instanceof PinRevealError) {
    return refusal(elsewhere(err), 501);
  }
  throw err;
}
