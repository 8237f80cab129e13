// What the /v1 routes share: the Temporal client, the principals, the idempotent starter, and the route options
// every secured route has (its hooks, its body limit, its OpenAPI security and error answers).
import type { Client } from '@temporalio/client';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
} from 'fastify';
import type { onRequestHookHandler, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { GraphClient } from '../../graph/client.js';
import type { Idempotency, StartOnce } from '../../journeys/index.js';
import type { IdentityStore } from '../../stores/identity-store.js';
import { visibleControls } from '../../domain/operator-input.js';
import { authorize } from '../auth/hooks.js';
import type { PrincipalDirectory } from '../auth/directory.js';
import { permissions, seesPortfolio, type Permission, type Principal } from '../auth/principals.js';
import { ApiError, errorSchema } from '../errors.js';
import type { PageTokens } from './page-token.js';
import type { WebhookDeadLetters } from '../webhook-dead-letters.js';
import type { SignupServices } from './signups.js';
import { ROLES } from './openapi-document.js';
import { API_BODY_LIMIT } from './schemas.js';

export interface ApiContext {
  client: Client;
  taskQueue: string;
  principals: PrincipalDirectory;
  startOnce: StartOnce;
  pageTokens: PageTokens;
  /** How often the event stream reads the journey, and how often it sends a keep-alive comment. */
  events: { pollMs: number; keepAliveMs: number };
  signups?: SignupServices;
  /** The messages route's Graph client and identity store (left out: it answers 501). */
  graph?: GraphClient;
  identities?: IdentityStore;
  /** The webhook inbox's dead letters (left out: a service without an inbox answers 501). */
  deadLetters?: WebhookDeadLetters;
}

export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

const errorAnswers = {
  400: 'the request is not valid: problems name each field',
  401: 'no bearer token, or one this service does not know',
  403: "the token's roles or portfolios do not allow this (the answer says what is needed)",
  404: 'no such journey, portfolio or dead letter, or one outside the token’s portfolios',
  409: 'a conflict: refused by the journey, a journey running already, an Idempotency-Key used for another request',
  410: 'gone: what the request names can no longer be used (an expired signup code)',
  413: 'the body is larger than the route takes (32 KiB; 1 MiB for a batch)',
  422: 'understood but refused by Meta (e.g. a signup code Meta would not exchange)',
  429: 'the token holds as many event streams open as one principal may: close one first',
  415: 'the body is not JSON, or is sent encoded (Content-Encoding gzip, br): send it unencoded',
  405: 'the path is served, but not with this method: the Allow header names those it takes',
  503: "Temporal cannot be reached now, a journey's worker did not answer in time or cannot run its workflow task, Temporal did not take an input (update_aborted: send it again), or the service is stopping",
  501: 'this service process is not set up for it (the answer names what it needs)',
  502: 'Meta did not answer in time, or could not take the call now',
  408: "the request's head and body took more than a minute to arrive",
  431: "the request's headers are larger than the service accepts",
  500: 'an unexpected failure of the service (its log says more)',
} as const;
type ErrorStatus = keyof typeof errorAnswers;

/** The error answers a route documents: the shape is always the one of errors.ts. */
export function errors(...statuses: ErrorStatus[]) {
  return Object.fromEntries(
    ([401, 403, 405, 408, 431, 500, 503, ...statuses] as ErrorStatus[]).map((status) => [
      status,
      errorSchema.describe(errorAnswers[status]),
    ]),
  );
}

/**
 * The options of a route that needs `permission`: its hooks, the body limit, and its OpenAPI security with the roles
 * it allows (`x-roles`, said in the operation's description by openapi-document.ts).
 */
export function secured(context: ApiContext, permission: Permission, tags: string[]) {
  return {
    onRequest: [...authorize(context.principals, permission), refuseEncodedBody],
    bodyLimit: API_BODY_LIMIT,
    schema: { tags, security: [{ bearer: [] }], [ROLES]: [...permissions[permission]] },
  };
}

/** Whose start it is, for the idempotent starter: the principal's own keys, and the portfolios it may see. */
export function startCaller(principal: Principal): Pick<Idempotency, 'scope' | 'sees'> {
  return {
    scope: principal.name,
    sees: (portfolioId) => portfolioId !== null && seesPortfolio(principal, portfolioId),
  };
}

/** The methods of the /v1 routes that take no body. */
const BODILESS = new Set(['GET', 'HEAD', 'DELETE']);

/**
 * A body is read as sent: one encoded (gzip, br) would be refused as malformed JSON, or read as if it were not. Checked
 * before the body is read, on the /v1 routes only (not the webhook receiver's hot path).
 */
const refuseEncodedBody: onRequestHookHandler = (request, _reply, done) => {
  if (BODILESS.has(request.method)) return done(); // nothing to decode: the header means nothing there
  const encoding = request.headers['content-encoding'];
  if (encoding === undefined || /^\s*identity\s*$/i.test(encoding)) return done();
  const named = visibleControls(encoding.slice(0, 40), false);
  done(
    new ApiError(415, 'unsupported_media_type', `Content-Encoding ${named} is not taken: send the JSON body unencoded`),
  );
};
