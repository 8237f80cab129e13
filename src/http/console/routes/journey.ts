// A journey's page, its event stream (the API's, authenticated by the session), and its forms' POSTs. A POST sends
// the same update as the API (journeyActions, the principal as actor) and answers with the journey page showing the
// outcome at once: accepted, refused (with the attempts left), or still working.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { describeJourney } from '../../../journeys/index.js';
import { actOnJourney, journeyActions, type ActionOutcome, type JourneyAction } from '../../api/actions.js';
import { followJourney } from '../../api/events.js';
import { e164Params } from '../../api/schemas.js';
import { ensureMay } from '../../auth/hooks.js';
import { describeJourneyFor } from '../../auth/journey-scope.js';
import { holdsAny, permissions, type Principal } from '../../auth/principals.js';
import { problemLine } from '../../error-body.js';
import { journeyWorkflowId, sendsMessages, type JourneyView } from '../../../domain/journey.js';
import { journeyOutcomes, type StageOrOutcome } from '../../../domain/stages.js';
import {
  pageContext,
  requireCsrf,
  requireSession,
  requireSubmission,
  sendPage,
  sessionFrom,
  type ConsoleContext,
} from '../context.js';
import type { Html } from '../html.js';
import { sessionOf, type Session } from '../session.js';
import { CSRF_FIELD } from '../csrf.js';
import { JOURNEY_FIELD, SUBMISSION_FIELD, submissionUpdateId } from '../submission.js';
import { choosingPin, type Kept } from '../pages/forms.js';
import { CUSTOMERS_SHOWN } from '../pages/identities.js';
import { journeyPage, type JourneyPageOptions } from '../pages/journey.js';
import { actionName, journeyPath } from '../paths.js';
import { problemPage } from '../pages/problem.js';

export function journeyRoutes(app: FastifyInstance, context: ConsoleContext): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const schema = { params: e164Params };

  // The header's "Go to a number": any stage, not only those awaiting input (the queue lists those).
  app.get('/journeys', { onRequest: requireSession(context) }, async (request, reply) => {
    const { number } = (request.query ?? {}) as { number?: unknown };
    // A link typed by hand (?number=+1415…) reads its "+" as a space: a number that begins so may have begun with
    // "+" — taken so when it then reads as a number; so are digits alone (a wa_id, as Meta's webhooks and the
    // customers' list write it). Else refused as it was typed.
    const typed = typeof number === 'string' ? number.trim() : '';
    const withPlus = typeof number === 'string' ? number.replace(/^ (?=\d)/, '+').trim() : '';
    const plusDigits = /^\d/.test(typed) ? e164Params.shape.e164.safeParse(`+${typed}`) : null;
    const restored = e164Params.shape.e164.safeParse(withPlus);
    const asTyped = restored.success ? restored : e164Params.shape.e164.safeParse(typed);
    const parsed = !asTyped.success && plusDigits?.success ? plusDigits : asTyped;
    if (parsed.success) return reply.redirect(journeyPath(parsed.data), 303);
    return sendPage(reply, notANumberPage(context, sessionFrom(request), typed, parsed.error.issues[0]?.message), 400);
  });

  routes.get('/journeys/:e164', { onRequest: requireSession(context), schema }, async (request, reply) => {
    const { e164 } = request.params;
    const session = sessionFrom(request);
    const view = await describeJourneyFor(context.client, session.principal, e164);
    return sendPage(reply, await journeyPageFor(context, session, view));
  });

  routes.get('/journeys/:e164/events', { onRequest: requireSession(context), schema }, async (request, reply) => {
    context.streams.add(reply.raw);
    reply.raw.once('close', () => context.streams.delete(reply.raw));
    await followJourney(
      context,
      sessionFrom(request).principal,
      request.params.e164,
      reply,
      () => sessionOf(request, context.principals)?.principal ?? null,
    );
  });

  for (const action of Object.values(journeyActions)) {
    routes.post(
      `/journeys/:e164/${action.path}`,
      {
        onRequest: requireSession(context),
        preHandler: [
          requireCsrf(
            context,
            (request) => sessionFrom(request).cookie,
            // Pre-handlers run after validation: the number is the normalised one the form was made with.
            (request) => actionName((request.params as { e164: string }).e164, action.path),
          ),
          requireSubmission(context),
        ],
        schema,
      },
      async (request, reply) => {
        const { e164 } = request.params;
        const session = sessionFrom(request);
        const { principal } = session;
        const before = await describeJourneyFor(context.client, principal, e164);
        ensureMay(principal, action.permission);
        // Read once: the answer's page names the same journey (an action never starts another chain).
        const journey = await journeyOf(context, e164);
        const madeFor = (request.body as Record<string, unknown> | undefined)?.[JOURNEY_FIELD];
        if (typeof madeFor === 'string' && madeFor !== journey) {
          const outcome = {
            outcome: 'refused' as const,
            message: `this page was for an earlier journey of ${e164}, which has ended: its journey now is shown here; nothing was sent`,
            attemptsLeft: null,
          };
          return sendPage(reply, await journeyPageFor(context, session, before, { outcome, journey }), 409);
        }
        const fields = formFields(request.body);
        const form = { action: action.path, actor: principal.name, fields };
        const updateId = submissionUpdateId(context.submissionKey, request.body, form);
        const choosing = choosingPin(before);
        const { outcome, status, field } = await submit(context, action, e164, fields, principal, choosing, updateId);
        const view = status === 400 ? before : await describeJourney(context.client, e164);
        const page = await journeyPageFor(context, session, view, {
          journey,
          outcome,
          leadsTo: leadsTo(action.path, outcome),
          kept:
            outcome.outcome === 'refused'
              ? keptOf(action.path, fields, field ?? refusedField(action, status, outcome.message))
              : {},
        });
        return sendPage(reply, page, status);
      },
    );
  }
}

/**
 * The page for a number that is none: typed in "Go to a number", or in a journey's URL (a mistyped link); `why` is
 * what is wrong with it. What was typed is put back in the header's field, to be corrected.
 */
export function notANumberPage(
  context: ConsoleContext,
  session: Session | null,
  typed: string,
  why = 'is not a phone number',
): Html {
  const message =
    typed === '' ? 'No number was given: type one in international form, e.g. +14155552671.' : `That number ${why}.`;
  const typedNumber = typed.slice(0, 40); // as the field takes it
  return problemPage({ ...pageContext(context, session), typedNumber }, 'Not a number', message);
}

/** A journey page links the number's timeline for a principal who may read it. */
const timelineLink = (context: ConsoleContext, principal: Principal, e164: string) =>
  holdsAny(principal, permissions.audit) ? context.timelinePath(e164) : null;

/** The journey's page as `session` sees it: with its timeline link and, for a live number, its untrusted customers. */
export async function journeyPageFor(
  context: ConsoleContext,
  session: Session,
  view: JourneyView,
  /** `journey`: the number's journey (journeyOf), when the caller read it already. */
  {
    journey: known,
    ...options
  }: Pick<JourneyPageOptions, 'outcome' | 'leadsTo' | 'kept' | 'revealedPin'> & {
    journey?: string;
  } = {},
): Promise<Html> {
  const customers =
    context.identities && sendsMessages(view) && view.phoneNumberId
      ? await context.identities.untrustedPage(view.phoneNumberId, { limit: CUSTOMERS_SHOWN, offset: 0 })
      : null;
  const journey = known ?? (await journeyOf(context, view.e164));
  return journeyPage({ ...pageContext(context, session), ...(journey ? { journey } : {}) }, view, {
    ...options,
    customers,
    timelinePath: timelineLink(context, session.principal, view.e164),
  });
}

/**
 * The number's journey now: the first run of its latest run's chain (continued as new, reset), which a form of its
 * page names; undefined when the server does not say (then no form is held to it).
 */
async function journeyOf(context: ConsoleContext, e164: string): Promise<string | undefined> {
  const described = await context.client.workflow.getHandle(journeyWorkflowId(e164)).describe();
  return described.raw.workflowExecutionInfo?.firstRunId || undefined;
}

/** What an action answered `pending` goes on to: its working out (a new code asked for, the cancel, the removal). */
const pendingLeadsTo: Record<string, readonly StageOrOutcome[]> = {
  resend: ['REQUESTING_CODE', 'AWAITING_OTP'],
  cancel: ['CANCELLED'],
  removal: ['REMOVING'],
};

/**
 * The stages an action's answer leads the journey to, which the page then moving to follows from: a pending
 * action's working out, and the ending a refusal says ("… no attempts left: the journey ends FAILED").
 */
export function leadsTo(action: string, { outcome, message }: ActionOutcome): StageOrOutcome[] {
  const ends = /\bthe journey ends ([A-Z_]+)\b/.exec(message)?.[1];
  return [
    ...(outcome === 'pending' ? (pendingLeadsTo[action] ?? []) : []),
    ...journeyOutcomes.filter((ending) => ending === ends),
  ];
}

/** Text fields the forms hold that an action's body does not take as text: an empty optional one is left out. */
const optionalText = new Set(['text', 'note']);
const booleans: Record<string, boolean> = { true: true, false: false };

/**
 * A form's fields as an action's body takes them: the CSRF token and the submission id left out, the on/off switch as
 * a boolean.
 */
export function formFields(body: unknown): Record<string, unknown> {
  const {
    [CSRF_FIELD]: _csrf,
    [SUBMISSION_FIELD]: _submission,
    [JOURNEY_FIELD]: _journey,
    ...fields
  } = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(fields)
      .filter(([name, value]) => !(optionalText.has(name) && value === ''))
      .map(([name, value]) => [
        name,
        name === 'enabled' && typeof value === 'string' && Object.hasOwn(booleans, value) ? booleans[value] : value,
      ]),
  );
}

/** The field a form's refusal by the journey is about (a wrong code, a name Meta declined, a reason refused). */
const mainField: Record<string, string | undefined> = {
  otp: 'code',
  pin: 'pin',
  'display-name': 'displayName',
  resend: 'method',
  cancel: 'reason',
  removal: 'reason',
  'test-message': 'to',
};

/** The actions whose answer, when refused, is about their field: a wrong code or PIN, a name Meta refused. */
const answerAboutField = new Set(['otp', 'pin', 'display-name']);

/**
 * The field a refusal by the journey is about: its answer for a code, a PIN or a name (a resend, a cancel or a test
 * message refused by Meta or a limit is about none); of its validator's (409: not now), a name's own words only
 * ("the display name …", one Meta rejected, the number's own), not a change already under way or the stage.
 */
export function refusedField(action: JourneyAction, status: number, message: string): string | undefined {
  if (status === 200) return answerAboutField.has(action.path) ? mainField[action.path] : undefined;
  const aboutName = /^(the display name |Meta rejected "|")/.test(message);
  return action.path === 'display-name' && aboutName ? mainField[action.path] : undefined;
}

/** What a refused form shows again (never a code or a PIN), and the field the refusal was about. */
export function keptOf(action: string, fields: Record<string, unknown>, invalid: string | undefined): Kept {
  const kept: Kept = { action, ...(invalid === undefined ? {} : { invalid }) };
  for (const name of ['displayName', 'to', 'text', 'reason', 'note', 'method'] as const) {
    const value = fields[name];
    if (typeof value === 'string') kept[name] = value;
  }
  return kept;
}

/**
 * The action's outcome: a body the schema refuses, or a refusal by the journey's validator, is a refused outcome.
 * `updateId`: the form submission's (the same submission sent again is answered as first, not acted on again).
 */
async function submit(
  context: ConsoleContext,
  action: JourneyAction,
  e164: string,
  fields: Record<string, unknown>,
  principal: Principal,
  choosing: boolean,
  updateId: string | undefined,
): Promise<Answer> {
  const checked = consoleOnly(action.path, fields, choosing);
  if ('refused' in checked) return checked.refused;
  const body = action.body.safeParse(checked.fields);
  if (!body.success) {
    return refusal(formProblems(body.error.issues, labelsOf[action.path]), 400, fieldOf(body.error.issues));
  }
  try {
    const outcome = await actOnJourney(context.client, action, e164, body.data, principal, context.waitSeconds, {
      followAt: 'this page (it updates by itself)',
      updateId,
      taskQueue: context.taskQueue,
    });
    return { outcome, status: 200 };
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError)) throw err;
    return refusal(err.cause?.message ?? err.message, 409);
  }
}

/**
 * The fields only the console's forms have, checked and taken out before the action's body is read: a cancel's or a
 * removal's box ticked (an Enter in its reason must not send alone what cannot be undone), and a chosen PIN typed
 * twice alike (a slip would become the number's PIN, never shown again).
 */
/** A PIN sent from the form of the other PIN (a page from before Meta's refusal changed what the journey asks for). */
const PIN_FORM_CHANGED = 'nothing was sent: the journey now asks, in the form below, for';

export function consoleOnly(
  path: string,
  { confirm, pinRepeat, ...fields }: Record<string, unknown>,
  choosing: boolean,
): { fields: Record<string, unknown> } | { refused: Answer } {
  if ((path === 'cancel' || path === 'removal') && confirm !== 'yes') {
    return {
      refused: refusal('tick the box to say that you know it cannot be undone; nothing was sent', 400, 'confirm'),
    };
  }
  // Whatever page it came from (an older one, the other PIN's form), the form must be the one the journey asks for.
  if (path === 'pin' && choosing && pinRepeat === undefined) {
    return { refused: refusal(`${PIN_FORM_CHANGED} a new PIN, typed twice`, 400, 'pin') };
  }
  if (path === 'pin' && !choosing && pinRepeat !== undefined) {
    return { refused: refusal(`${PIN_FORM_CHANGED} the PIN two-step verification holds now, once`, 400, 'pin') };
  }
  if (path === 'pin' && choosing && pinRepeat !== fields.pin) {
    return {
      refused: refusal('the two PINs differ: type the same 6 digits in both; nothing was sent', 400, 'pinRepeat'),
    };
  }
  return { fields };
}

/** A form's problems as its page says them, as the API's are read (problemLine); `labels`: the form's own. */
export function formProblems(
  issues: readonly { path: PropertyKey[]; message: string }[],
  labels: Record<string, string> = {},
): string {
  // Each problem once, its field named by the form's label.
  const lines = issues.map(({ path, message }) => {
    const field = path.map(String).join('.');
    return problemLine({ field: labels[field] ?? fieldLabels[field] ?? field, message });
  });
  return [...new Set(lines)].join('; ');
}

/** A form field as its label names it, so a refusal reads in the page's words rather than the API's. */
const fieldLabels: Record<string, string> = {
  displayName: 'display name',
  to: 'test message to',
  text: 'test message text',
  pin: 'two-step PIN',
};

/** Fields one form labels its own way (a reason, a method), by the form's action. */
const labelsOf: Record<string, Record<string, string>> = {
  resend: { method: 'new code by' },
  cancel: { reason: 'why cancel' },
  removal: { reason: 'why remove the number' },
};

/** The customer confirmation form's labels (pages/identities.ts). */
export const confirmationLabels: Record<string, string> = { method: 'how you re-verified', note: 'what you checked' };

/** An action's answer as the page shows it; `field`: the one a refusal by the form's schema named first. */
export interface Answer {
  outcome: ActionOutcome;
  status: number;
  field?: string;
}

/** The first field a schema's problems name (a problem of the whole form names none). */
export function fieldOf(issues: readonly { path: PropertyKey[] }[]): string | undefined {
  const first = issues.find((issue) => issue.path.length > 0)?.path[0];
  return first === undefined ? undefined : String(first);
}

/** A form refused (by its schema, the workflow's validator, or as not found), as the page answers it. */
export function refusal(message: string, status: number, field?: string): Answer {
  return { outcome: { outcome: 'refused', message, attemptsLeft: null }, status, ...(field ? { field } : {}) };
}
