// The one error shape of the HTTP service, {error: {code, message, problems[]}}, and the error handler that maps
// everything a route can throw onto it: what failed and what to do, field by field for a bad request. A message
// never carries a secret (the zod messages name fields and rules, not values).
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, type ZodFastifySchemaValidationError } from 'fastify-type-provider-zod';
import { JourneyInputError, UNKNOWN_FIELD } from '../domain/journey-input.js';
import {
  IdempotencyConflictError,
  InvalidFilterError,
  JourneyConflictError,
  JourneyEndedError,
  JourneyNotFoundError,
} from '../journeys/index.js';
import { PortfolioNotFoundError, PortfolioStoppedError } from '../portfolios/portfolio.js';
import { MissingTokenError } from '../graph/tokens.js';
import { isKeyMissingInReplay } from '../codec/undecryptable.js';
import { followRoutes } from './allowed-methods.js';
import {
  notAnsweringMessage,
  temporalNotAnswering,
  WORKFLOW_TASK_FAILING,
  workflowTaskFailing,
} from '../temporal/unanswered.js';
import { UPDATE_ABORTED, updateAbortedWithItsTask } from '../temporal/aborted-update.js';
import { storeNotAnswering } from '../stores/unavailable.js';

export { errorSchema, type ErrorBody, type ErrorCode, type ErrorReason, type Problem } from './error-body.js';
import type { ErrorBody, ErrorCode, ErrorReason, Problem } from './error-body.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly problems: Problem[] = [],
    readonly reason?: ErrorReason,
  ) {
    super(message);
  }
}

export function errorBody(code: ErrorCode, message: string, problems: Problem[] = [], reason?: ErrorReason): ErrorBody {
  return { error: { code, message, problems, ...(reason === undefined ? {} : { reason }) } };
}

/** A page for a person's browser asking for a path no route serves; null: the JSON answer. */
export type NotFoundPage = (request: FastifyRequest, reply: FastifyReply) => FastifyReply | null;

/**
 * Installs the error handler and the not-found answer on the whole service; `page()` is the console's page for a
 * browser, once the console is registered.
 */
export function installErrorHandling(
  app: FastifyInstance,
  page: () => NotFoundPage | undefined = () => undefined,
): void {
  app.setErrorHandler(answerError);
  const allowed = followRoutes(app);
  app.setNotFoundHandler((request, reply) => {
    const shown = page()?.(request, reply);
    if (shown) return shown;
    const path = request.url.split('?')[0] ?? '/';
    const methods = allowed.on(path);
    if (methods.length === 0) return send(reply, new ApiError(404, 'not_found', `no route ${request.method} ${path}`));
    reply.header('allow', methods.join(', '));
    const message = `${path} does not take ${request.method}: it takes ${methods.join(', ')}`;
    return send(reply, new ApiError(405, 'method_not_allowed', message));
  });
}

/**
 * Answers what a route threw, and Fastify's own refusals before any route (its frameworkErrors option), in the
 * service's one shape; a failure of the service's own is logged.
 */
export function answerError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const mapped = apiErrorOf(err);
  // A feature this process is not configured for (501: the PIN reveal where no private key is) is the setup's answer,
  // not a failure to page anyone for.
  if (mapped.status === 501) request.log.info({ path: request.url.split('?')[0], code: mapped.code }, mapped.message);
  else if (mapped.status >= 500) request.log.error({ err, path: request.url.split('?')[0] }, 'request failed');
  return send(reply, mapped);
}

export function send(reply: FastifyReply, err: ApiError): FastifyReply {
  if (err.status === 401) reply.header('www-authenticate', 'Bearer realm="numberflow"');
  return reply
    .code(err.status)
    .type('application/json')
    .send(errorBody(err.code, err.message, err.problems, err.reason));
}

/** What any error a route throws means for its caller (the console shows the same on a page). */
export function apiErrorOf(err: FastifyError): ApiError {
  if (err instanceof ApiError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = locations[err.validationContext ?? 'body'] ?? 'body';
    const problems = err.validation.flatMap((issue) => problemsOf(where, issue));
    return new ApiError(400, 'invalid_request', `the request is not valid: ${summary(problems)}`, problems);
  }
  if (err instanceof JourneyInputError) {
    const problems = err.issues.map(({ path, message }) => ({ in: 'body' as const, field: path, message }));
    return new ApiError(400, 'invalid_request', `the request is not valid: ${summary(problems)}`, problems);
  }
  if (err instanceof InvalidFilterError) {
    const problem = { in: 'query' as const, field: err.field, message: err.message.replace(/^\w+: /, '') };
    return new ApiError(400, 'invalid_request', err.message, [problem]);
  }
  if (
    err instanceof JourneyNotFoundError ||
    err instanceof PortfolioNotFoundError ||
    err instanceof WorkflowNotFoundError
  ) {
    return new ApiError(404, 'not_found', err.message);
  }
  if (err instanceof JourneyConflictError || err instanceof JourneyEndedError || err instanceof PortfolioStoppedError) {
    return new ApiError(409, 'conflict', err.message);
  }
  if (err instanceof IdempotencyConflictError) return new ApiError(409, 'idempotency_conflict', err.message);
  // A replica with a token store of its own (its own data folder) knows no token another stored.
  if (err instanceof MissingTokenError) {
    return new ApiError(
      501,
      'not_configured',
      `${err.message} in this service's token store: ${err.remediation} (A service replica with a store of its own knows no token another stored: replicas share one, NUMBERFLOW_DATABASE_URL.)`,
    );
  }
  if (err instanceof WorkflowUpdateFailedError) {
    // The journey's validator refused the input: its reason is the answer.
    return new ApiError(409, 'refused', `refused: ${err.cause?.message ?? err.message}`);
  }
  const byCode = fastifyErrors[err.code];
  if (byCode) return byCode(err);
  const notAnswering = temporalNotAnswering(err);
  if (notAnswering) return new ApiError(503, 'temporal_unavailable', notAnsweringMessage(err, notAnswering));
  if (storeNotAnswering(err)) {
    return new ApiError(
      503,
      'store_unavailable',
      "the stores' database (PostgreSQL) does not answer now: send it again shortly",
    );
  }
  // The journey's worker cannot replay its history without a key taken away: it waits for it (the key id only).
  if (isKeyMissingInReplay(err))
    return new ApiError(503, 'key_missing', `the journey cannot be read now: ${err.message}`);
  // Temporal's answer for a run whose workflow task fails on every attempt (a worker's bug, say): it retries the
  // task, and the journey answers again once the cause is mended.
  if (workflowTaskFailing(err)) {
    return new ApiError(503, 'workflow_task_failing', WORKFLOW_TASK_FAILING);
  }
  if (updateAbortedWithItsTask(err)) return new ApiError(503, 'update_aborted', UPDATE_ABORTED);
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return new ApiError(err.statusCode, 'invalid_request', err.message);
  }
  return new ApiError(500, 'internal', 'the service failed to answer; its log has the details');
}

const fastifyErrors: Record<string, (err: FastifyError) => ApiError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () =>
    new ApiError(
      413,
      'body_too_large',
      'the body is larger than this endpoint takes (32 KiB for /v1; 1 MiB for /v1/journeys:batch)',
    ),
  // Fastify's parser refuses a __proto__ or constructor.prototype key (prototype pollution) with the same error.
  FST_ERR_CTP_INVALID_JSON_BODY: () =>
    new ApiError(
      400,
      'malformed_json',
      'the body is not valid JSON, or carries a __proto__ or constructor.prototype key, which the service refuses',
    ),
  FST_ERR_CTP_EMPTY_JSON_BODY: () =>
    new ApiError(400, 'malformed_json', 'the body is empty but says it is JSON; send {} or no content-type'),
  FST_ERR_BAD_URL: () => new ApiError(400, 'invalid_request', 'the path is not a valid URL (a malformed %-escape)'),
  FST_ERR_MAX_PARAM_LENGTH: () =>
    new ApiError(400, 'invalid_request', 'a part of the path is longer than any this service takes'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (err) =>
    new ApiError(415, 'unsupported_media_type', `${err.message}; send application/json`),
};

const locations: Record<string, Problem['in']> = {
  body: 'body',
  headers: 'header',
  querystring: 'query',
  params: 'path',
};

function problemsOf(where: Problem['in'], issue: ZodFastifySchemaValidationError): Problem[] {
  const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const field = where === 'header' ? headerName(path) : path;
  const unknown = (issue.params as { keys?: unknown }).keys;
  if (issue.keyword === 'unrecognized_keys' && Array.isArray(unknown)) {
    return unknown.map((key) => ({
      in: where,
      field: [path, String(key)].filter(Boolean).join('.'),
      message: UNKNOWN_FIELD,
    }));
  }
  return [{ in: where, field, message: issue.message ?? 'is not valid' }]; // in zod-words' words
}

/** idempotency-key → Idempotency-Key */
function headerName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_all, dash: string, letter: string) => dash + letter.toUpperCase());
}

function summary(problems: Problem[]): string {
  return problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ');
}
