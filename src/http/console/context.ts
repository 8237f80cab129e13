// What the console's routes share: the Temporal client, the principals, the keys; the session hook (a page without
// a session goes to the sign-in page), the CSRF check of every POST, and how a page is sent.
import type { ServerResponse } from 'node:http';
import type { Client } from '@temporalio/client';
import type { FastifyReply, FastifyRequest, onRequestHookHandler, preHandlerHookHandler } from 'fastify';
import type { IdentityStore } from '../../stores/identity-store.js';
import type { ApiContext } from '../api/context.js';
import type { PrincipalDirectory } from '../auth/directory.js';
import { CSRF_FIELD, csrfToken, csrfValid } from './csrf.js';
import { toText, type Html } from './html.js';
import type { PageContext } from './pages/layout.js';
import { problemPage } from './pages/problem.js';
import { journeyPathIn, signInPath } from './paths.js';
import { SESSION_HOURS, sessionOf, type Session } from './session.js';
import { JOURNEY_FIELD, journeyField, newSubmission, SUBMISSION_FIELD, submissionField } from './submission.js';

export interface ConsoleContext {
  client: Client;
  /** Where a customer's identity recovery runs, if it must be started again (the API's confirmation does the same). */
  taskQueue: string;
  /** The identity store: a live number's page lists its untrusted customers (none without a store). */
  identities?: IdentityStore;
  principals: PrincipalDirectory;
  events: ApiContext['events'];
  csrfKey: Buffer;
  /** Keys the update ids made of a form's submission (submission.ts). */
  submissionKey: Buffer;
  /** How long a form's POST waits for the journey's answer before showing "still working". */
  waitSeconds: number;
  /** Where a journey page links its timeline (for a principal who may audit). */
  timelinePath: (e164: string) => string;
  /** Event streams being sent: each lasts while its page is open, so they are ended before the service closes. */
  streams: Set<ServerResponse>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The console's session, set by `requireSession`. */
    consoleSession: Session | null;
  }
}

/** The session of the request (set by requireSession). */
export function sessionFrom(request: FastifyRequest): Session {
  if (!request.consoleSession) throw new Error('the console route has no requireSession hook');
  return request.consoleSession;
}

export function pageContext(
  context: ConsoleContext,
  session: Session | null,
  binding = session?.cookie ?? '',
): PageContext {
  return {
    principal: session?.principal ?? null,
    csrf: (action) => csrfToken(context.csrfKey, binding, action),
    submission: newSubmission(),
  };
}

/** Sends a page; console pages are never stored (they carry journey data, and some a code or PIN form). */
export function sendPage(reply: FastifyReply, page: Html, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(toText(page));
}

/**
 * Finds the session. Without one, a page asked for by GET goes to the sign-in page; anything else (a form, the event
 * stream) is answered 401, so nothing is done for nobody.
 */
export function requireSession(context: ConsoleContext): onRequestHookHandler {
  return (request, reply, done) => {
    const session = sessionOf(request, context.principals);
    if (session) {
      request.consoleSession = session;
      request.principal = session.principal;
      return done();
    }
    if (request.method === 'GET' && !request.url.endsWith('/events')) {
      void reply.redirect(signInPath(request.url), 303);
      return;
    }
    const page = problemPage(
      pageContext(context, null),
      'Signed out',
      `Your session has ended (it lasts ${SESSION_HOURS} hours, and ends when its token is removed): sign in again. Nothing was sent.`,
      { next: journeyPathIn(request.url) ?? '/' }, // back to the journey whose form it was
    );
    void sendPage(reply, page, 401);
  };
}

/** Refuses a POST whose CSRF token is not the one of its form (`action`) and this session (or sign-in nonce). */
export function requireCsrf(
  context: ConsoleContext,
  bindingOf: (request: FastifyRequest) => string | null,
  actionOf: (request: FastifyRequest) => string,
  /** How a form refused is answered, if not with the page below (the sign-in form answers with itself). */
  refused?: (request: FastifyRequest, reply: FastifyReply) => void,
): preHandlerHookHandler {
  return (request, reply, done) => {
    const binding = bindingOf(request);
    const presented = (request.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
    if (binding && csrfValid(context.csrfKey, binding, actionOf(request), presented)) return done();
    if (refused) return refused(request, reply);
    // A journey's form leads back to its journey, as its other refusals do.
    const journey = /^\/journeys\/[^/?#]+(?=\/)/.exec(request.url)?.[0] ?? null;
    const page = problemPage(
      pageContext(context, request.consoleSession),
      'Form refused',
      'This form did not come from this console page (its CSRF token is missing or wrong, or the page is older than your session): open the page again and resubmit. Nothing was sent.',
      { journey },
    );
    void sendPage(reply, page, 403);
  };
}

/**
 * Refuses a form whose submission id is not one this console makes (forged or mangled): it would not name the form's
 * update. A form without one (a page from before) is taken, as a new submission.
 */
export function requireSubmission(context: ConsoleContext): preHandlerHookHandler {
  return (request, reply, done) => {
    const body = request.body as Record<string, unknown> | undefined;
    const valid =
      submissionField.safeParse(body?.[SUBMISSION_FIELD]).success &&
      journeyField.safeParse(body?.[JOURNEY_FIELD]).success;
    if (valid) return done();
    const page = problemPage(
      pageContext(context, request.consoleSession),
      'Form refused',
      "This form's submission id is not one this console makes: open the page again and resubmit. Nothing was sent.",
      { journey: journeyPathIn(request.url) },
    );
    void sendPage(reply, page, 400);
  };
}
