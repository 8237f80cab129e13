// Signing in and out. The sign-in form is protected like every other: its CSRF token is bound to a nonce cookie set
// with the form, so no other site can sign a browser in with a token of its choosing.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { pageContext, requireCsrf, requireSession, sendPage, sessionFrom, type ConsoleContext } from '../context.js';
import { SESSION_ENDED, SIGN_IN_ACTION, signInPage, type SignInSaid } from '../pages/sign-in.js';
import { localPath } from '../paths.js';
import { cookieOptions, endSession, SESSION_COOKIE, sessionOf, startSession } from '../session.js';

const NONCE_COOKIE = 'numberflow_sign_in';
const SIGN_IN_MINUTES = 60;
const signInBody = z.object({ token: z.string().max(512).catch(''), next: z.string().optional().catch(undefined) });

export function signInRoutes(app: FastifyInstance, context: ConsoleContext): void {
  app.get('/sign-in', async (request, reply) => {
    const next = localPath((request.query as { next?: unknown }).next);
    if (sessionOf(request, context.principals)) return reply.redirect(next, 303);
    // A session cookie that no longer signs anyone in (expired, its token removed): said, and cleared, so that a
    // page asked for after it reads as the end of a session rather than a first visit.
    if (!request.cookies[SESSION_COOKIE]) return signInForm(context, request, reply, next);
    endSession(reply);
    return signInForm(context, request, reply, next, { notice: SESSION_ENDED });
  });

  const nonceOf = (request: FastifyRequest) => request.cookies[NONCE_COOKIE] ?? null;
  // The form's nonce cookie lasts an hour, and the last sign-in form opened in the browser replaces it: a form left
  // open longer, or another tab's, is shown again saying so (it was refused as a form of another page). Nobody is
  // signed in by it, and the token typed is not shown back.
  const stale = requireCsrf(
    context,
    nonceOf,
    () => SIGN_IN_ACTION,
    (request, reply) => {
      const next = localPath((request.body as { next?: unknown } | undefined)?.next);
      const problem = `This sign-in form was opened more than ${SIGN_IN_MINUTES} minutes ago, in another browser, or before another sign-in form here: enter your token again.`;
      void signInForm(context, request, reply, next, { problem: 'form', text: problem }, 403);
    },
  );
  app.post('/sign-in', { preHandler: stale }, async (request, reply) => {
    const body = signInBody.safeParse(request.body);
    const token = body.success ? body.data.token.trim() : '';
    // A token past the schema's length is given, and no token of this service: not a missing one.
    const given = (request.body as { token?: unknown } | undefined)?.token;
    const entered = token !== '' || (typeof given === 'string' && given.trim() !== '');
    const next = localPath(body.success ? body.data.next : undefined);
    const principal = token ? context.principals.identify(token) : null;
    if (!principal) {
      const problem = entered
        ? 'That token is not one of this service: check it, or ask an admin for a new one.'
        : 'Enter your API token.';
      return signInForm(context, request, reply, next, { problem: 'token', text: problem }, 401);
    }
    startSession(reply, token);
    reply.clearCookie(NONCE_COOKIE, { ...cookieOptions(request), path: '/sign-in' });
    request.log.info({ principal: principal.name }, 'console: signed in');
    return reply.redirect(next, 303);
  });

  app.post(
    '/sign-out',
    {
      onRequest: requireSession(context),
      preHandler: requireCsrf(
        context,
        (r) => sessionFrom(r).cookie,
        () => 'sign-out',
      ),
    },
    async (_request, reply) => {
      endSession(reply);
      return reply.redirect('/sign-in', 303);
    },
  );
}

/** The form, with a fresh nonce cookie its CSRF token is bound to. */
function signInForm(
  context: ConsoleContext,
  request: FastifyRequest,
  reply: Parameters<typeof sendPage>[0],
  next: string,
  said: SignInSaid | null = null,
  status = 200,
) {
  const nonce = randomBytes(16).toString('base64url');
  reply.setCookie(NONCE_COOKIE, nonce, {
    ...cookieOptions(request),
    path: '/sign-in',
    maxAge: SIGN_IN_MINUTES * 60,
  });
  return sendPage(reply, signInPage(pageContext(context, null, nonce), next, said), status);
}
