// The operator console: server-rendered pages at `/` for people, signed in with an API token. Journeys awaiting
// input, a journey's page (live through the API's event stream) and forms that send the same updates as the API.
// No front-end build and no inline script, so a strict Content-Security-Policy holds; every page works without
// JavaScript; a browser's unknown path gets a page too. Registered by buildHttpApp; its cookie and form parsers stay
// inside this plugin.
import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import type { Client } from '@temporalio/client';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { IdentityStore } from '../../stores/identity-store.js';
import type { ApiContext } from '../api/context.js';
import type { PrincipalDirectory } from '../auth/directory.js';
import type { Principal } from '../auth/principals.js';
import { apiErrorOf, type NotFoundPage } from '../errors.js';
import { assetRoutes } from './assets.js';
import { pageContext, sendPage, type ConsoleContext } from './context.js';
import { consoleKey } from './csrf.js';
import { problemPage } from './pages/problem.js';
import { journeyPathIn, timelinePath } from './paths.js';
import { journeyRoutes, notANumberPage } from './routes/journey.js';
import { pinRevealRoutes } from './routes/pin-reveal.js';
import { portfolioRoutes } from './routes/portfolio.js';
import { queueRoutes } from './routes/queue.js';
import { signInRoutes } from './routes/sign-in.js';
import { identityRoutes } from './routes/identities.js';
import { notFoundPage } from './routes/not-found.js';
import { consoleHeaders } from './headers.js';
import { timelineRoutes } from './routes/timeline.js';
import { SESSION_COOKIE, sessionOfCookie } from './session.js';

export interface ConsoleOptions {
  client: Client;
  taskQueue: string;
  identities?: IdentityStore;
  principals: PrincipalDirectory;
  events: ApiContext['events'];
  /** Signs sessions and CSRF tokens (NUMBERFLOW_CONSOLE_SECRET or the data folder's); unset: one per process. */
  secret?: string;
  waitSeconds?: number;
  /** Where a journey page links its timeline for a principal who may audit (default: the console's own page). */
  timelinePath?: (e164: string) => string;
  /** Hands the service's not-found handler the console's page for a browser's unknown path. */
  onNotFound?: (page: NotFoundPage) => void;
  /** Hands the codec server the principal of a request's console session (the Web UI sends the cookie along). */
  onSessionReader?: (reader: SessionReader) => void;
}

/** The principal signed in to the console by the request's cookie, if any. */
export type SessionReader = (request: FastifyRequest) => Principal | null;

/** Forms are small: a code, a PIN, a name, a reason. */
const FORM_BODY_LIMIT = 16 * 1024;

export async function consolePlugin(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  const secret = options.secret ?? randomBytes(32).toString('base64url');
  await app.register(fastifyCookie, { secret: consoleKey(secret, 'session') });
  await app.register(fastifyFormbody, { bodyLimit: FORM_BODY_LIMIT });
  app.decorateRequest('consoleSession', null);
  app.addHook('onSend', async (_request, reply) => {
    reply.headers(consoleHeaders);
  });

  const context: ConsoleContext = {
    client: options.client,
    taskQueue: options.taskQueue,
    ...(options.identities ? { identities: options.identities } : {}),
    principals: options.principals,
    events: options.events,
    csrfKey: consoleKey(secret, 'csrf'),
    submissionKey: consoleKey(secret, 'submission'),
    waitSeconds: options.waitSeconds ?? 10,
    timelinePath: options.timelinePath ?? timelinePath,
    streams: new Set(),
  };
  // An open journey page keeps its stream, and so the service's close(), waiting: end the streams first.
  app.addHook('preClose', async () => {
    for (const stream of context.streams) stream.destroy();
  });
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const typed = numberInUrl(err, request);
    if (typed !== null) {
      const why = hasZodFastifySchemaValidationErrors(err) ? err.validation[0]?.message : undefined;
      return sendPage(reply, notANumberPage(context, request.consoleSession, typed, why), 400);
    }
    const mapped = apiErrorOf(err);
    if (mapped.status >= 500) request.log.error({ err, path: request.url.split('?')[0] }, 'console request failed');
    const page = problemPage(
      pageContext(context, request.consoleSession),
      titles[mapped.status] ?? 'Refused',
      mapped.message,
      { journey: request.method === 'POST' ? journeyPathIn(request.url) : null }, // a form's, not a page's
    );
    return sendPage(reply, page, mapped.status);
  });

  assetRoutes(app);
  signInRoutes(app, context);
  queueRoutes(app, context);
  journeyRoutes(app, context);
  pinRevealRoutes(app, context);
  identityRoutes(app, context);
  timelineRoutes(app, context);
  portfolioRoutes(app, context);
  options.onNotFound?.(notFoundPage(app, context));
  options.onSessionReader?.((request) => {
    const cookie = app.parseCookie(request.headers.cookie ?? '')[SESSION_COOKIE];
    return sessionOfCookie(cookie, (value) => app.unsignCookie(value), context.principals)?.principal ?? null;
  });
}

/**
 * The number a page's URL holds when it is none (a mistyped link to `/journeys/<e164>…`): answered as "Go to a
 * number" answers it, not in the API's words. Null for any other error.
 */
function numberInUrl(err: FastifyError, request: FastifyRequest): string | null {
  if (request.method !== 'GET' || err.validationContext !== 'params' || !hasZodFastifySchemaValidationErrors(err)) {
    return null;
  }
  const e164 = (request.params as { e164?: unknown } | undefined)?.e164;
  return typeof e164 === 'string' && err.validation.some((issue) => issue.instancePath === '/e164') ? e164 : null;
}

const titles: Record<number, string> = {
  400: 'Not a valid request',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Refused',
  413: 'Too large',
  500: 'Something failed',
  503: 'Unavailable now',
};
