// A live number's customer confirmed from its page: the same operation as the API's
// POST /v1/numbers/{e164}/identities/{waId}/confirmation (confirmCustomer, the signed-in principal as the actor),
// answered with the journey's page showing the outcome and where the customer now stands.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { confirmCustomer, NotAwaitingConfirmationError } from '../../../identity/confirm.js';
import { NumberNotLiveError } from '../../../identity/live-number.js';
import { confirmationBy } from '../../api/numbers.js';
import { confirmationBody, customerParams } from '../../api/number-schemas.js';
import { ensureMay } from '../../auth/hooks.js';
import { describeJourneyFor } from '../../auth/journey-scope.js';
import { ApiError } from '../../errors.js';
import {
  requireCsrf,
  requireSession,
  requireSubmission,
  sendPage,
  sessionFrom,
  type ConsoleContext,
} from '../context.js';
import { submissionUpdateId } from '../submission.js';
import { actionName, confirmationAction } from '../paths.js';
import {
  confirmationLabels,
  fieldOf,
  formFields,
  formProblems,
  journeyPageFor,
  keptOf,
  refusal,
  type Answer,
} from './journey.js';

export function identityRoutes(app: FastifyInstance, context: ConsoleContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.post(
    '/journeys/:e164/identities/:waId/confirmation',
    {
      onRequest: requireSession(context),
      preHandler: [
        requireCsrf(
          context,
          (request) => sessionFrom(request).cookie,
          (request) => {
            const { e164, waId } = request.params as { e164: string; waId: string };
            return actionName(e164, confirmationAction(waId));
          },
        ),
        requireSubmission(context),
      ],
      schema: { params: customerParams },
    },
    async (request, reply) => {
      const { e164, waId } = request.params;
      const session = sessionFrom(request);
      const { principal } = session;
      const view = await describeJourneyFor(context.client, principal, e164);
      ensureMay(principal, 'operate');
      const identities = context.identities;
      if (!identities) throw new ApiError(501, 'not_configured', 'this service process has no identity store');
      const fields = formFields(request.body);
      const action = confirmationAction(waId);
      const updateId = submissionUpdateId(context.submissionKey, request.body, {
        action,
        actor: principal.name,
        fields,
      });
      const body = confirmationBody.safeParse(fields);
      let answer: Answer;
      if (!body.success) {
        answer = refusal(formProblems(body.error.issues, confirmationLabels), 400, fieldOf(body.error.issues));
      } else {
        try {
          const deps = { client: context.client, taskQueue: context.taskQueue, identities };
          const confirmation = confirmationBy(principal, body.data);
          const seen = { updateId, seenSince: body.data.since };
          const { message } = await confirmCustomer(deps, view, waId, confirmation, seen);
          answer = { outcome: { outcome: 'accepted', message, attemptsLeft: null }, status: 200 };
        } catch (err) {
          if (err instanceof NotAwaitingConfirmationError) answer = refusal(err.message, err.known ? 409 : 404);
          else if (err instanceof NumberNotLiveError) answer = refusal(err.message, 409);
          else if (err instanceof WorkflowUpdateFailedError) answer = refusal(err.cause?.message ?? err.message, 409);
          else throw err;
        }
      }
      const kept = answer.outcome.outcome === 'refused' ? keptOf(action, fields, answer.field) : {};
      const page = await journeyPageFor(context, session, view, { outcome: answer.outcome, kept });
      return sendPage(reply, page, answer.status);
    },
  );
}
