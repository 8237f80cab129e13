// The HTTP service (Fastify): Meta's webhook receiver, the /v1 API for onboarding services, operators, admins and
// auditors (bearer tokens, roles, zod-validated bodies, an OpenAPI 3.1 document), the operator console at `/`
// (./console: the same principals, signed in by cookie), and the codec server the Web UI and CLI decode histories
// through, and numberflow's metrics for Prometheus. Route families that join it reuse the auth hooks of ./auth and the error shape of ./errors.ts.
import type { Socket } from 'node:net';
import Fastify, {
  errorCodes,
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import type { Client } from '@temporalio/client';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { GraphClient } from '../graph/client.js';
import type { StartOptions } from '../journeys/index.js';
import type { IdentityStore } from '../stores/identity-store.js';
import { eventStreamDefaults } from './api/events.js';
import { registerApi, type ApiOptions } from './api/index.js';
import { PrincipalDirectory } from './auth/directory.js';
import { consolePlugin, type ConsoleOptions, type SessionReader } from './console/index.js';
import { answerError, installErrorHandling, type NotFoundPage } from './errors.js';
import { registerInboxGauges, type ServiceMetrics } from '../telemetry/metrics.js';
import { codecAuthorizationFor, codecRoutes, type CodecRoutesOptions } from './codec-routes.js';
import { metricsRoutes } from './metrics-routes.js';
import { writeRequestLine } from './request-line.js';
import type { Route } from './webhook-handover.js';
import { createWebhookRouter } from './webhook-router.js';
import { openWebhookInbox, webhookRoutes, type OpenWebhookInbox, type WebhookInboxSettings } from './webhook-routes.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The level of the route's request line (default info). */
    requestLogLevel?: 'info' | 'debug';
  }
}

export interface HttpAppOptions {
  client: Client;
  taskQueue: string;
  /** Where portfolios run (src/config.ts portfolioTaskQueue); the journeys' queue if not given (tests). */
  portfolioTaskQueue?: string;
  appSecret: string;
  verifyToken: string;
  logger: Logger;
  /** The router asks Graph which portfolio owns a WABA that no journey knows yet. */
  graph: GraphClient;
  /** Customers' identity hashes (webhooks write them, the messages route reads them); left out, neither happens. */
  identities?: IdentityStore;
  /** Who may call the API (none: every /v1 call is answered 401). */
  principals?: PrincipalDirectory;
  start?: StartOptions;
  events?: ApiOptions['events'];
  pageTokens?: ApiOptions['pageTokens'];
  /** POST /v1/signups: Graph with the app's credentials and the stores (left out: it answers 501). */
  signups?: ApiOptions['signups'];
  /** The codec server under /codec (left out, e.g. by a bench that only receives webhooks). */
  codec?: CodecRoutesOptions;
  /** The operator console's secret (sessions, CSRF) and links. */
  console?: Pick<ConsoleOptions, 'secret' | 'waitSeconds' | 'timelinePath'>;
  /**
   * Meta's deliveries are kept in this file and answered 200 once committed, then routed (left out: each is routed
   * before it is answered). The service keeps it in its data folder.
   */
  /** `replica`: names this service process in the dead letters' answers (each replica keeps its own inbox). */
  webhookInbox?: WebhookInboxSettings;
  /** numberflow's metrics on /metrics, webhook deliveries counted (left out: no /metrics). */
  metrics?: ServiceMetrics;
  /** How long a request's head and body may take to arrive (default REQUEST_TIMEOUT_MS); answered 408 past it. */
  requestTimeoutMs?: number;
  /**
   * The proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (src/config.ts trustedProxies): a request
   * through one is logged with its client's address, and is https when the proxy says so. None by default.
   */
  trustedProxies?: readonly string[];
}

/**
 * A request trickled in (a partial body on the webhook receiver, which anyone may reach) held a connection for as
 * long as the client liked: past this it is answered 408 and closed. Answers, the event streams among them, are not
 * bounded by it.
 */
export const REQUEST_TIMEOUT_MS = 60_000;

export async function buildHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const app: FastifyInstance = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: 4 * 1024 * 1024, // the webhook route's own limit is lower; /v1 routes take 32 KiB
    trustProxy: options.trustedProxies?.length ? [...options.trustedProxies] : false,
    requestTimeout: requestTimeoutMs,
    // Node looks for late requests this often (30 s by default: a minute's limit would become up to 90 s), and
    // bounds a request's body only while its head's own limit is no longer than the whole request's.
    http: {
      connectionsCheckingInterval: Math.max(250, Math.min(30_000, requestTimeoutMs / 4)),
      headersTimeout: Math.min(60_000, requestTimeoutMs),
    },
    // Fastify's request log shows whole URLs, and Meta's handshake carries hub.verify_token in the query:
    // requests are logged below, by path only.
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors: (err, request, reply) => void answerError(err, request, reply),
    // Node refuses what it cannot parse (headers too large) before any route: in the one error shape too.
    clientErrorHandler: answerClientError,
  });
  // /v1 takes JSON bodies only: text/plain there is refused 415 rather than read as a string that the schemas would
  // call the wrong type. Elsewhere (the codec server, which checks its caller first) it is read as before.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (request, body, done) => {
    if (!request.routeOptions.url?.startsWith('/v1/')) return done(null, body);
    done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('text/plain'));
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('principal', null);
  let notFoundPage: NotFoundPage | undefined;
  installErrorHandling(app, () => notFoundPage);
  // A callback, not an async function, and the line built only when it is written: Meta's deliveries pass here
  // thousands of times a second, and the promise and the line cost the receiver measurably (docs/architecture.md).
  app.addHook('onResponse', (request, reply, done) => {
    writeRequestLine(request, reply.statusCode, reply.elapsedTime);
    done();
  });
  const principals = options.principals ?? PrincipalDirectory.of({ principals: [] });
  const route = createWebhookRouter({
    client: options.client,
    taskQueue: options.taskQueue,
    portfolioTaskQueue: options.portfolioTaskQueue,
    graph: options.graph,
    identities: options.identities,
  });
  const delivered = options.metrics?.webhookDelivered;
  const inbox = options.webhookInbox && openWebhookInbox(options.webhookInbox, { ...options, route, delivered });
  const unregister = inbox && options.metrics && registerInboxGauges(options.metrics.registry, inbox.inbox);
  if (inbox) {
    app.addHook('onClose', async () => {
      unregister?.();
      await inbox.close();
    });
  }
  try {
    await registerRoutes(app, options, {
      principals,
      route,
      delivered,
      inbox,
      onNotFound: (page) => void (notFoundPage = page),
    });
  } catch (err) {
    unregister?.();
    await inbox?.close(); // its lock, released for the next try
    throw err;
  }
  app.get('/health', { config: { requestLogLevel: 'debug' } }, async () => ({ ok: true }));
  return app;
}

async function registerRoutes(
  app: FastifyInstance,
  options: HttpAppOptions,
  shared: {
    principals: PrincipalDirectory;
    route: Route;
    delivered: ServiceMetrics['webhookDelivered'] | undefined;
    inbox: OpenWebhookInbox | undefined;
    onNotFound: (page: NotFoundPage) => void;
  },
): Promise<void> {
  const { principals, route, delivered, inbox, onNotFound } = shared;
  let sessionPrincipal: SessionReader | undefined;
  await registerApi(app, {
    client: options.client,
    taskQueue: options.taskQueue,
    portfolioTaskQueue: options.portfolioTaskQueue,
    principals,
    start: options.start,
    events: options.events,
    pageTokens: options.pageTokens,
    signups: options.signups,
    graph: options.graph,
    identities: options.identities,
    deadLetters: inbox?.deadLetters,
  });
  await app.register(consolePlugin, {
    client: options.client,
    taskQueue: options.taskQueue,
    ...(options.identities ? { identities: options.identities } : {}),
    principals,
    events: { ...eventStreamDefaults, ...options.events },
    ...options.console,
    onNotFound,
    onSessionReader: (reader) => void (sessionPrincipal = reader),
  });
  await app.register(webhookRoutes, { ...options, route, delivered, inbox });
  if (options.codec) {
    const { authorize } = options.codec;
    // A browser's Web UI sends no token but, told to include credentials, the console's cookie of the same host:
    // its principal is judged as a token's would be.
    // A UI that also passes its own sign-in's token (unknown here: "Bearer undefined" without one) is judged by the
    // cookie all the same.
    const withSession = async (request: FastifyRequest) => {
      const verdict = await authorize(request);
      if (verdict !== 'unauthorized') return verdict;
      const principal = sessionPrincipal?.(request);
      if (principal) request.principal = principal; // named on the request's line
      return principal ? codecAuthorizationFor(principal.roles) : verdict;
    };
    await app.register(codecRoutes, { ...options.codec, authorize: withSession, prefix: '/codec' });
  }
  if (options.metrics) await app.register(metricsRoutes, options.metrics);
}

/** Node's refusals before any route, by their codes: status, reason phrase, and what to say. */
const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    "the request's headers are larger than this server accepts",
  ],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Payload Too Large', "the request's chunk extensions are too large"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'the request took too long to arrive'],
};

/**
 * Answers what Node could not take as a request in the one error shape, where an answer can still be written (not
 * into a response already under way, as a pipelined request's may be), then closes the connection, as Node does.
 */
function answerClientError(err: Error, socket: Socket): void {
  const { code } = err as NodeJS.ErrnoException;
  const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (code === 'ECONNRESET' || socket.destroyed || !socket.writable || answering) {
    socket.destroy(err);
    return;
  }
  const [status, phrase, message] = CLIENT_ERRORS[code ?? ''] ?? [400, 'Bad Request', 'the request is not valid HTTP'];
  const body = JSON.stringify({ error: { code: 'invalid_request', message, problems: [] } });
  socket.end(
    `HTTP/1.1 ${status} ${phrase}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
