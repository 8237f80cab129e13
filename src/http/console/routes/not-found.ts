// A path no route serves, asked for by a person's browser: a page in the console's style that names the path and
// leads back to `/` (with who is signed in, as on every console page). The API's families (/v1, /codec, /webhooks,
// /docs, /metrics, /health) and a client asking for JSON keep the service's JSON 404 (errors.ts, by callNotFound).
// Fastify takes one not-found handler per prefix, and the service's is that JSON one: this is a GET route of the
// console under every path that no other route serves (a route of its own beats this wildcard).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pageContext, sendPage, type ConsoleContext } from '../context.js';
import { problemPage } from '../pages/problem.js';
import { sessionOf } from '../session.js';

/** The service's other route families: an unknown path under one is an API's, answered in JSON. */
const apiFamilies = ['/v1', '/codec', '/webhooks', '/docs', '/metrics', '/health'];

export function notFoundRoutes(app: FastifyInstance, context: ConsoleContext): void {
  app.get('/*', async (request, reply) => {
    if (!wantsPage(request)) return reply.callNotFound();
    const path = pathOf(request);
    const page = problemPage(
      pageContext(context, sessionOf(request, context.principals)),
      'Not found',
      `There is no page at ${path}. Check the address, or start again from the journeys awaiting input.`,
    );
    return sendPage(reply, page, 404);
  });
}

const pathOf = (request: FastifyRequest) => request.url.split('?')[0] ?? '/';

/** A console path, asked for by a client that does not ask for JSON alone (a browser asks for text/html, or any). */
function wantsPage(request: FastifyRequest): boolean {
  const path = pathOf(request);
  if (apiFamilies.some((family) => path === family || path.startsWith(`${family}/`))) return false;
  const accept = request.headers.accept ?? '';
  return !/json/i.test(accept) || /text\/html/i.test(accept);
}
