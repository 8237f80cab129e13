// /v1/journeys/{e164}/…: what operators and admins do to a journey, each sent as the journey's update and answered
// with its outcome within a bounded wait. The actor is always the caller's principal.
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import type { SubmissionOutcome } from '../../domain/messages.js';
import { journeyActionUpdates as updates, journeyPortfolio, submitToJourney } from '../../journeys/index.js';
import { ensureSees, principalOf } from '../auth/hooks.js';
import type { Permission, Principal } from '../auth/principals.js';
import { errors, secured, type ApiContext, type ZodApp } from './context.js';
import {
  cancelBody,
  displayNameBody,
  e164Params,
  noBody,
  otpBody,
  outcomeSchema,
  pinBody,
  removalBody,
  resendBody,
  waitQuery,
} from './schemas.js';

interface Action<Body extends z.ZodType, Arg> {
  path: string;
  summary: string;
  permission: Permission;
  body: Body;
  update: UpdateDefinition<SubmissionOutcome, [Arg]>;
  argument: (body: z.output<Body>, principal: Principal) => Arg;
}

export function actionRoutes(app: ZodApp, context: ApiContext): void {
  const action = <Body extends z.ZodType, Arg>(a: Action<Body, Arg>) => route(app, context, a);
  action({
    path: 'otp',
    summary: 'submit the 6-digit code Meta sent (a wrong one is refused with the attempts left)',
    permission: 'operate',
    body: otpBody,
    update: updates.otp,
    argument: ({ code }, { name }) => ({ code, actor: name }),
  });
  action({
    path: 'pin',
    summary: 'submit the two-step PIN (chosen, or the one already on the number)',
    permission: 'operate',
    body: pinBody,
    update: updates.pin,
    argument: ({ pin }, { name }) => ({ pin, actor: name }),
  });
  action({
    path: 'display-name',
    summary: 'submit a new display name (after a rejection, or to rename a live number)',
    permission: 'operate',
    body: displayNameBody,
    update: updates['display-name'],
    argument: ({ displayName }, { name }) => ({ displayName, actor: name }),
  });
  action({
    path: 'resend',
    summary: 'ask Meta for a new code, optionally by the other method',
    permission: 'operate',
    body: resendBody,
    update: updates.resend,
    argument: (body, { name }) => ({ actor: name, ...(body?.method ? { method: body.method } : {}) }),
  });
  action({
    path: 'cancel',
    summary: 'cancel an onboarding that is not live yet (a live number is removed instead)',
    permission: 'operate',
    body: cancelBody,
    update: updates.cancel,
    argument: ({ reason }, { name }) => ({ reason, actor: name }),
  });
  action({
    path: 'removal',
    summary: 'request the removal of a live number (admins)',
    permission: 'administer',
    body: removalBody,
    update: updates.removal,
    // The role comes from the principal, never from the caller; the journey checks it again.
    argument: ({ reason }, { name, roles }) => ({
      reason,
      actor: name,
      role: roles.includes('admin') ? 'admin' : (roles[0] ?? ''),
    }),
  });
  action({
    path: 'deletion-confirmation',
    summary: 'confirm that an admin deleted the number in WhatsApp Manager',
    permission: 'operate',
    body: noBody,
    update: updates['deletion-confirmation'],
    argument: (_body, { name }) => ({ actor: name }),
  });
}

function route<Body extends z.ZodType, Arg>(app: ZodApp, context: ApiContext, a: Action<Body, Arg>): void {
  const { client } = context;
  const options = secured(context, a.permission, ['actions']);
  app.post(
    `/v1/journeys/:e164/${a.path}`,
    {
      ...options,
      schema: {
        ...options.schema,
        summary: a.summary,
        params: e164Params,
        querystring: waitQuery,
        body: a.body,
        response: { 200: outcomeSchema, ...errors(400, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const { e164 } = request.params;
      const principal = principalOf(request);
      if (principal.portfolios !== null) {
        ensureSees(principal, await journeyPortfolio(client, e164), `no journey for ${e164}`);
      }
      const outcome = await submitToJourney(
        client,
        e164,
        a.update,
        a.argument(request.body as z.output<Body>, principal),
        {
          waitMs: request.query.waitSeconds * 1000,
          stillWorking: `still working: the journey has not answered within ${request.query.waitSeconds} s (Meta may be slow); follow GET /v1/journeys/${e164}`,
        },
      );
      return {
        outcome: outcome.pending ? 'pending' : outcome.accepted ? 'accepted' : 'refused',
        message: outcome.message,
        attemptsLeft: outcome.attemptsLeft,
      } as const;
    },
  );
}
