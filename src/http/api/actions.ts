// /v1/journeys/{e164}/…: what operators and admins do to a journey, each sent as the journey's update and answered
// with its outcome within a bounded wait. The actor is always the caller's principal. The operator console's forms
// are made from the same list of actions (journeyActions), so both send exactly the same updates.
import type { Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import type { SubmissionOutcome } from '../../domain/messages.js';
import { asciiDigits } from '../../domain/operator-input.js';
import { journeyActionUpdates as updates, submitToJourney, type SubmitOptions } from '../../journeys/index.js';
import { principalOf } from '../auth/hooks.js';
import { ensureSeesJourney } from '../auth/journey-scope.js';
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
  identityCheckBody,
  testMessageBody,
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

/** An action with its update and argument bound: sends a validated body as `principal`. */
export interface JourneyAction {
  path: string;
  summary: string;
  permission: Permission;
  body: z.ZodType;
  send(
    client: Client,
    e164: string,
    body: unknown,
    principal: Principal,
    options: SubmitOptions,
  ): Promise<SubmissionOutcome>;
}

function defineAction<Body extends z.ZodType, Arg>({ update, argument, ...rest }: Action<Body, Arg>): JourneyAction {
  return {
    ...rest,
    send: (client, e164, body, principal, options) =>
      submitToJourney(client, e164, update, argument(body as z.output<Body>, principal), options),
  };
}

export const journeyActions = {
  otp: defineAction({
    path: 'otp',
    summary: 'submit the 6-digit code Meta sent (a wrong one is refused with the attempts left)',
    permission: 'operate',
    body: otpBody,
    update: updates.otp,
    // Stamped here: Temporal may hold the update until a worker runs, and a code submitted in time is no wrong one.
    argument: ({ code }, { name }) => ({ code: asciiDigits(code), actor: name, submittedAt: new Date().toISOString() }),
  }),
  pin: defineAction({
    path: 'pin',
    summary: 'submit the two-step PIN (chosen, or the one already on the number)',
    permission: 'operate',
    body: pinBody,
    update: updates.pin,
    argument: ({ pin }, { name }) => ({ pin, actor: name }),
  }),
  displayName: defineAction({
    path: 'display-name',
    summary: 'submit a new display name (after a rejection, or to rename a live number)',
    permission: 'operate',
    body: displayNameBody,
    update: updates['display-name'],
    argument: ({ displayName }, { name }) => ({ displayName, actor: name }),
  }),
  resend: defineAction({
    path: 'resend',
    summary: 'ask Meta for a new code, optionally by the other method',
    permission: 'operate',
    body: resendBody,
    update: updates.resend,
    argument: (body, { name }) => ({ actor: name, ...(body?.method ? { method: body.method } : {}) }),
  }),
  cancel: defineAction({
    path: 'cancel',
    summary: 'cancel an onboarding that is not live yet (a live number is removed instead)',
    permission: 'operate',
    body: cancelBody,
    update: updates.cancel,
    argument: ({ reason }, { name }) => ({ reason, actor: name }),
  }),
  removal: defineAction({
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
  }),
  deletionConfirmation: defineAction({
    path: 'deletion-confirmation',
    summary: 'confirm that an admin deleted the number in WhatsApp Manager',
    permission: 'operate',
    body: noBody,
    update: updates['deletion-confirmation'],
    argument: (_body, { name }) => ({ actor: name }),
  }),
  identityCheck: defineAction({
    path: 'identity-check',
    summary: "turn Meta's identity-change check on or off for a live number",
    permission: 'operate',
    body: identityCheckBody,
    update: updates['identity-check'],
    argument: ({ enabled }, { name }) => ({ enabled, actor: name }),
  }),
  testMessage: defineAction({
    path: 'test-message',
    summary: 'have a live number send a test message to a WhatsApp user (recorded in the journey with its outcome)',
    permission: 'operate',
    body: testMessageBody,
    update: updates['test-message'],
    argument: ({ to, text }, { name }) => ({ to, actor: name, ...(text === undefined ? {} : { text }) }),
  }),
} satisfies Record<string, JourneyAction>;

export function actionRoutes(app: ZodApp, context: ApiContext): void {
  for (const action of Object.values(journeyActions)) route(app, context, action);
}

/** What an action led to, as the API answers it (and the console shows it). */
export interface ActionOutcome {
  outcome: 'accepted' | 'refused' | 'pending';
  message: string;
  attemptsLeft: number | null;
}

/** Why a journey may not have answered in time, when it waits on nobody: nothing is lost either way. */
const NO_ANSWER_YET =
  'Meta may be slow, or a worker stopped while handling it: Temporal gives the work to another worker once it times out';

/**
 * Sends an action as `principal`; a journey outside its portfolios is not found. `updateId`: the console's form
 * submission's (the same one posted again acts once); otherwise a new one. `taskQueue`: the journeys', refused at
 * once while no worker polls it (src/journeys/act.ts).
 */
export async function actOnJourney(
  client: Client,
  action: JourneyAction,
  e164: string,
  body: unknown,
  principal: Principal,
  waitSeconds: number,
  { followAt, updateId, taskQueue }: { followAt: string; updateId?: string; taskQueue?: string },
): Promise<ActionOutcome> {
  await ensureSeesJourney(client, principal, e164);
  const outcome = await action.send(client, e164, body, principal, {
    updateId,
    taskQueue,
    waitMs: waitSeconds * 1000,
    stillWorking: (waits) =>
      `still working: the journey has not answered within ${waitSeconds} s` +
      `${waits ? `; meanwhile it waits: ${waits}` : ` (${NO_ANSWER_YET})`}; follow ${followAt}`,
  });
  return {
    outcome: outcome.pending ? 'pending' : outcome.accepted ? 'accepted' : 'refused',
    message: outcome.message,
    attemptsLeft: outcome.attemptsLeft,
  };
}

function route(app: ZodApp, context: ApiContext, a: JourneyAction): void {
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
        response: { 200: outcomeSchema.describe("the journey's outcome"), ...errors(400, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const { e164 } = request.params;
      const { waitSeconds } = request.query;
      return actOnJourney(context.client, a, e164, request.body, principalOf(request), waitSeconds, {
        followAt: `GET /v1/journeys/${e164}`,
        taskQueue: context.taskQueue,
      });
    },
  );
}
