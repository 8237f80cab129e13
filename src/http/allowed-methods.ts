// Which methods the service answers on a path, for a request whose method no route takes: 405 with `Allow` (RFC 9110)
// rather than a 404 that says the path does not exist. Routes are matched as Fastify matches them (its own router,
// find-my-way), each added as Fastify registers it. OPTIONS is left out: CORS answers it on every path (`OPTIONS *`),
// which would make every unknown path "served".
import type { FastifyInstance, HTTPMethods } from 'fastify';
import Router, { type HTTPMethod } from 'find-my-way';

const METHODS: readonly HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

export interface AllowedMethods {
  /** The methods some route takes on this path (its query left out); empty when no route serves the path. */
  on(path: string): HTTPMethod[];
}

/** Follows every route registered on `app` from now on (call it before the routes). */
export function followRoutes(app: FastifyInstance): AllowedMethods {
  const router = Router();
  const noop = () => undefined;
  app.addHook('onRoute', (route) => {
    const methods: HTTPMethods[] = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods.map((m) => m.toUpperCase() as HTTPMethod))
      if (METHODS.includes(method) && !router.hasRoute(method, route.url)) router.on(method, route.url, noop);
  });
  return { on: (path) => METHODS.filter((method) => router.find(method, path) !== null) };
}
