// A path no route serves, asked for by a person's browser: a page in the console's style that names the path and
// leads back to `/`. The service's one not-found handler (errors.ts) asks for it, so that nothing else changes: the
// API's families (/v1, /codec, /webhooks, /docs, /metrics, /health) and a client asking for JSON keep the JSON 404,
// and a route's own refusals (a path part too long) stay theirs — a catch-all route here would have taken those.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NotFoundPage } from '../../errors.js';
import { pageContext, sendPage, type ConsoleContext } from '../context.js';
import { consoleHeaders } from '../headers.js';
import { problemPage } from '../pages/problem.js';
import { SESSION_COOKIE, sessionOfCookie } from '../session.js';

/** The service's other route families: an unknown path under one is an API's, answered in JSON. */
const apiFamilies = ['/v1', '/codec', '/webhooks', '/docs', '/metrics', '/health'];

/** `app`: the console's plugin, whose cookie parser reads the session (the service's handler runs outside it). */
export function notFoundPage(app: FastifyInstance, context: ConsoleContext): NotFoundPage {
  return (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return null;
    if (!wantsPage(request)) return null;
    const cookie = app.parseCookie(request.headers.cookie ?? '')[SESSION_COOKIE];
    const session = sessionOfCookie(cookie, (value) => app.unsignCookie(value), context.principals);
    const page = problemPage(
      pageContext(context, session),
      'Not found',
      `There is no page at ${pathOf(request)}. Check the address, or start again from the journeys awaiting input.`,
    );
    return sendPage(reply.headers(consoleHeaders), page, 404);
  };
}

const pathOf = (request: FastifyRequest) => request.url.split('?')[0] ?? '/';

/** A console path, asked for by a client that does not ask for JSON alone (a browser asks for text/html, or any). */
function wantsPage(request: FastifyRequest): boolean {
  const path = pathOf(request);
  if (apiFamilies.some((family) => path === family || path.startsWith(`${family}/`))) return false;
  const accept = request.headers.accept ?? '';
  return !/json/i.test(accept) || /text\/html/i.test(accept);
}
