// The life of one Graph call: trace headers, merged params, the normalised endpoint, injected faults, the token,
// Meta's error body on any failure, and a redacted line in the call log.
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { graphErrorSpec } from '../../graph/errors.js';
import type { CallLog } from '../call-log.js';
import type { SandboxCore } from '../core.js';
import { GraphApiError, UnknownObjectError } from '../graph-error.js';
import { type PhoneNumber, type Waba, type WhatsAppScope } from '../model.js';
import { authenticate, authorize } from '../tokens.js';
import { type Params, mergeParams } from './input.js';

export const DEFAULT_API_VERSION = 'v23.0';
const VERSION_PREFIX = /^\/(v\d+\.\d+)(?=\/|\?|$)/;

export interface GraphCall {
  version: string;
  traceId: string;
  endpoint: string;
  params: Params;
  token?: string;
  errorCode?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    graphCall: GraphCall | null;
  }
  interface FastifyContextConfig {
    /** Route template with Meta's placeholder names, e.g. '/{phone-number-id}/register'. */
    graphEndpoint?: string;
  }
}

export function isAdminPath(url: string): boolean {
  return url.startsWith('/_sandbox');
}

/** Graph accepts any /vNN.N prefix; the sandbox routes without it. */
export function stripVersion(url: string): string {
  const rest = url.replace(VERSION_PREFIX, '');
  return rest.startsWith('/') ? rest : `/${rest}`;
}

export function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0] ?? '/';
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header) : null;
  return match?.[1]?.trim();
}

/** '/{waba-id}/phone_numbers' for a route; for GET|POST /{id} the id's kind decides the name. */
function endpointOf(core: SandboxCore, request: FastifyRequest): string {
  const template = request.routeOptions.config.graphEndpoint;
  if (template !== '/{node}') {
    return `${request.method} ${template ?? pathOf(request).replace(/\/\d+(?=\/|$)/g, '/{id}')}`;
  }
  const id = (request.params as { id?: string }).id ?? '';
  const kind = core.store.numbers.has(id) ? '{phone-number-id}' : core.store.wabas.has(id) ? '{waba-id}' : '{id}';
  return `${request.method} /${kind}`;
}

/** The WABA a call is about, for X-Business-Use-Case-Usage (falls back to the app). */
function usageKey(core: SandboxCore, request: FastifyRequest): string {
  const id = (request.params as { id?: string } | undefined)?.id ?? '';
  return core.store.numbers.get(id)?.wabaId ?? (core.store.wabas.has(id) ? id : core.settings.appId);
}

const RATE_LIMIT_CODES = new Set([4, 17, 80007, 80008]);

export function replyGraphError(
  core: SandboxCore,
  request: FastifyRequest,
  reply: FastifyReply,
  error: GraphApiError,
): FastifyReply {
  const call = request.graphCall;
  if (call) call.errorCode = error.code;
  const regainMinutes = Math.ceil((graphErrorSpec(error.code)?.retryAfterMs ?? 0) / 60_000);
  if (RATE_LIMIT_CODES.has(error.code)) {
    // docs/meta-graph-api.md#rate-limit-headers: usage percentages and the wait in minutes; numbers at 100 % when the limit is hit.
    const usage = { call_count: 100, total_cputime: 100, total_time: 100 };
    const businessUsage = {
      type: 'whatsapp_business_management',
      ...usage,
      estimated_time_to_regain_access: regainMinutes,
    };
    reply.header('x-business-use-case-usage', JSON.stringify({ [usageKey(core, request)]: [businessUsage] }));
    reply.header('x-app-usage', JSON.stringify(usage));
  }
  // Calls the router refused never ran onRequest: they get their trace id here.
  const traceId = call?.traceId ?? core.random.stream('trace').alphanumeric(11);
  if (!call) reply.header('x-fb-trace-id', traceId);
  return reply.code(error.httpStatus).send(error.body(traceId));
}

/** Anything thrown that is not a Meta rule: a body the parser refused is 100, an unexpected failure is 1. */
function asGraphError(core: SandboxCore, error: unknown): GraphApiError {
  if (error instanceof GraphApiError) return error;
  const fastifyError = error as Partial<FastifyError>;
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode < 500) {
    return new GraphApiError(100, fastifyError.message ?? 'Invalid request');
  }
  core.logger?.error({ err: error }, 'sandbox: unexpected failure in a Graph call');
  return new GraphApiError(1, 'An unknown error occurred');
}

export function installGraphCallHooks(app: FastifyInstance, core: SandboxCore, callLog: CallLog): void {
  app.decorateRequest('graphCall', null);

  app.addHook('onRequest', async (request, reply) => {
    const trace = core.random.stream('trace');
    const traceId = trace.alphanumeric(11);
    const version = VERSION_PREFIX.exec(request.originalUrl)?.[1] ?? DEFAULT_API_VERSION;
    reply.header('x-fb-trace-id', traceId);
    reply.header('x-fb-request-id', trace.alphanumeric(23));
    reply.header('facebook-api-version', version);
    if (isAdminPath(request.url)) return;
    request.graphCall = {
      version,
      traceId,
      endpoint: endpointOf(core, request),
      params: mergeParams(request.query, undefined),
    };
  });

  app.addHook('preHandler', async (request) => {
    const call = request.graphCall;
    if (!call) return;
    call.params = mergeParams(request.query, request.body);
    const fromParams = call.params.access_token;
    call.token = bearer(request) ?? (typeof fromParams === 'string' ? fromParams : undefined);
    const faults = core.faults.forCall(call.endpoint);
    if (faults.latencyMs > 0) await delay(faults.latencyMs);
    if (faults.errorCode !== undefined) {
      throw new GraphApiError(faults.errorCode, faults.errorDetails ?? `injected fault on ${call.endpoint}`);
    }
  });

  // Logged when the answer is ready, not once it reached the client: a call whose caller gave up (a lost answer)
  // still happened, and tests count it.
  app.addHook('onSend', async (request, reply, payload) => {
    const call = request.graphCall;
    if (!call) return payload;
    callLog.record({
      at: new Date(core.clock.now()).toISOString(),
      method: request.method,
      path: pathOf(request),
      endpoint: call.endpoint,
      query: mergeParams(request.query, undefined),
      body: request.body ?? null,
      status: reply.statusCode,
      ...(call.errorCode !== undefined ? { errorCode: call.errorCode } : {}),
    });
    core.logger?.debug(
      { endpoint: call.endpoint, status: reply.statusCode, errorCode: call.errorCode, fbtraceId: call.traceId },
      'sandbox graph call',
    );
    return payload;
  });

  app.setErrorHandler((error, request, reply) => replyGraphError(core, request, reply, asGraphError(core, error)));
}

export type Target = 'phone-number' | 'waba' | 'node';
export interface Resolved {
  number?: PhoneNumber;
  waba: Waba;
}

/** 190 for a bad token, then 100/33 for an unknown id (or the wrong kind of object), then 200 for no permission. */
export function resolveObject(
  core: SandboxCore,
  request: FastifyRequest,
  target: Target,
  scopes: readonly WhatsAppScope[],
): Resolved {
  const call = request.graphCall;
  const token = authenticate(core, call?.token);
  const id = (request.params as { id: string }).id;
  const number = target === 'waba' ? undefined : core.store.numbers.get(id);
  const waba = number
    ? core.store.wabas.get(number.wabaId)
    : target === 'phone-number'
      ? undefined
      : core.store.wabas.get(id);
  if (!waba) throw new UnknownObjectError(id, request.method);
  authorize(token, waba, scopes);
  return { number, waba };
}
