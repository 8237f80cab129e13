// The sandbox's HTTP server: Graph routes under any /vNN.N prefix, the admin API under /_sandbox.
import Fastify, { type FastifyInstance } from 'fastify';
import type { SandboxAdmin } from './admin.js';
import type { CallLog } from './call-log.js';
import type { SandboxCore } from './core.js';
import { servedEndpoints } from './faults.js';
import { GraphApiError, UnknownObjectError } from './graph-error.js';
import { installGraphCallHooks, isAdminPath, pathOf, replyGraphError, stripVersion } from './http/graph-call.js';
import { knownEdges } from './http/graph-route.js';
import { registerBodyParsers } from './http/input.js';
import { adminPlugin } from './http/routes-admin.js';
import { registerAuthRoutes } from './http/routes-auth.js';
import { registerNumberRoutes } from './http/routes-numbers.js';
import { registerWabaRoutes } from './http/routes-waba.js';

/** An id with an edge the sandbox serves under another method is Meta's "Unsupported … request"; the rest is 100. */
function notFound(method: string, path: string): GraphApiError {
  const [, id, edge] = /^\/(\d+)(?:\/([^/]+))?\/?$/.exec(path) ?? [];
  if (id && (edge === undefined || knownEdges.has(edge))) return new UnknownObjectError(id, method);
  return new GraphApiError(100, `Unknown path components: ${path}`);
}

/** `beforeAnswer` (a persisted sandbox's save) runs once a Graph or admin answer is ready, before it is sent. */
export async function buildServer(
  core: SandboxCore,
  callLog: CallLog,
  admin: SandboxAdmin,
  beforeAnswer?: () => Promise<void>,
): Promise<FastifyInstance> {
  const app = Fastify({
    // The sandbox logs its own redacted lines: Fastify's request log would print tokens from query strings.
    logger: false,
    rewriteUrl: (request) => stripVersion(request.url ?? '/'),
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    // A URL the router cannot even read (bad escapes, an overlong id) still gets Meta's body, not Fastify's.
    frameworkErrors: (error, request, reply) => {
      void replyGraphError(core, request, reply, new GraphApiError(100, error.message));
    },
  });
  // What a fault may name: each Graph route's endpoint, as the call log writes it.
  app.addHook('onRoute', (route) => {
    const endpoint = (route.config as { graphEndpoint?: string } | undefined)?.graphEndpoint;
    // /{node} is named by the id's kind at call time (graph-call.ts, endpointOf).
    const named = endpoint === '/{node}' ? ['/{phone-number-id}', '/{waba-id}'] : endpoint ? [endpoint] : [];
    for (const method of [route.method].flat()) for (const name of named) servedEndpoints.add(`${method} ${name}`);
  });
  registerBodyParsers(app);
  installGraphCallHooks(app, core, callLog);
  if (beforeAnswer) {
    app.addHook('onSend', async (_request, _reply, payload) => {
      await beforeAnswer();
      return payload;
    });
  }
  registerNumberRoutes(app, core);
  registerWabaRoutes(app, core);
  registerAuthRoutes(app, core);
  await app.register(adminPlugin, { prefix: '/_sandbox', admin, logger: core.logger });
  app.setNotFoundHandler((request, reply) => {
    if (isAdminPath(request.url)) {
      return reply.code(404).send({ error: { message: `no admin route ${request.method} ${request.url}` } });
    }
    return replyGraphError(core, request, reply, notFound(request.method, pathOf(request)));
  });
  return app;
}
