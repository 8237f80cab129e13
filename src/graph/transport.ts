// One HTTP exchange with Graph: builds the request (docs/meta-graph-api.md#transport), sends it over a keep-alive undici pool with
// connect and answer timeouts, and turns the answer into typed data or a GraphError / GraphTransportError /
// GraphResponseError. Error texts name the endpoint template only: never an id-filled path, a query or a header.
import { Pool } from 'undici';
import type { z } from 'zod';
import { GraphError, GraphResponseError, GraphTransportError } from './errors.js';
import { graphErrorFromAnswer, isMetaErrorBody } from './error-body.js';
import { checkGraphId, GraphInputError } from './inputs.js';
import { formatIssues } from './open-enum.js';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** A call's place: `label` ("POST /{phone-number-id}/register") is what errors show; `path` what is sent. */
export interface Endpoint {
  method: HttpMethod;
  label: string;
  path: string;
}

/** Fills a template such as "/{phone-number-id}/register"; each id must be a numeric Graph id. */
export function endpoint(method: HttpMethod, template: string, ids: Record<string, string> = {}): Endpoint {
  const label = `${method} ${template}`;
  const path = template.replace(/\{([a-z-]+)\}/g, (_, name: string) => {
    const id = ids[name];
    if (id === undefined) throw new Error(`endpoint ${label} needs ${name}`);
    return checkGraphId(id, name, label);
  });
  return { method, label, path };
}

export interface GraphCall<T> {
  endpoint: Endpoint;
  /** Sent as Authorization: Bearer. */
  token?: string;
  query?: Record<string, string | number | undefined>;
  json?: Record<string, unknown>;
  form?: Record<string, string>;
  /** The WABA the call acts on: picks its entry in X-Business-Use-Case-Usage. */
  wabaId?: string;
  /** Values never to repeat in an error (the token is added automatically). */
  secrets?: readonly string[];
  schema: z.ZodType<T>;
}

/** How one call ended, for metrics: by endpoint template, never by id, query or token. */
export interface GraphCallRecord {
  endpoint: string;
  /** ok; meta_error (Meta answered an error: `code`); unreachable; bad_answer (not the expected shape); refused. */
  outcome: 'ok' | 'meta_error' | 'unreachable' | 'bad_answer' | 'refused';
  /** Meta's error code, or '' when Meta did not answer one. */
  code: string;
}

export type GraphCallObserver = (call: GraphCallRecord) => void;

export interface TransportOptions {
  baseUrl: string;
  apiVersion: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  connections: number;
  observe?: GraphCallObserver;
}

export class GraphTransport {
  readonly #pool: Pool;
  readonly #prefix: string;
  readonly #options: TransportOptions;
  #closed = false;

  constructor(options: TransportOptions) {
    const url = new URL(options.baseUrl);
    this.#options = options;
    this.#prefix = `${url.pathname.replace(/\/+$/, '')}/${options.apiVersion}`;
    this.#pool = new Pool(url.origin, {
      connections: options.connections,
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
      keepAliveTimeout: 10_000,
    });
  }

  async send<T>(call: GraphCall<T>): Promise<T> {
    const observe = this.#options.observe;
    if (!observe) return this.#send(call);
    try {
      const answer = await this.#send(call);
      observe({ endpoint: call.endpoint.label, outcome: 'ok', code: '' });
      return answer;
    } catch (err) {
      observe({ endpoint: call.endpoint.label, ...failureOf(err) });
      throw err;
    }
  }

  async #send<T>(call: GraphCall<T>): Promise<T> {
    const { label } = call.endpoint;
    const answer = await this.#exchange(call);
    const body = parseJson(answer.text);
    if (answer.status < 200 || answer.status >= 300 || isMetaErrorBody(body)) {
      const secrets = [...(call.secrets ?? []), ...(call.token ? [call.token] : [])];
      throw graphErrorFromAnswer({ ...answer, body, endpoint: label, wabaId: call.wabaId, secrets });
    }
    if (body === undefined) throw new GraphResponseError(`HTTP ${answer.status} with a body that is not JSON`, label);
    const parsed = call.schema.safeParse(body);
    if (!parsed.success) throw new GraphResponseError(formatIssues(parsed.error), label);
    return parsed.data;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.close();
  }

  async #exchange(call: GraphCall<unknown>) {
    const { method, label, path } = call.endpoint;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'numberflow' };
    if (call.token) headers.authorization = `Bearer ${call.token}`;
    let body: string | undefined;
    if (call.json) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.json);
    } else if (call.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(call.form).toString();
    }
    try {
      const answer = await this.#pool.request({ method, path: this.#path(path, call.query), headers, body });
      return { status: answer.statusCode, headers: answer.headers, text: await answer.body.text() };
    } catch (err) {
      // The cause is not attached: an exception's data must hold no secret, and this one would hold the request.
      if (errorCode(err) === 'UND_ERR_INVALID_ARG') {
        throw new GraphInputError('the HTTP client refused the request (an invalid header or argument)', label);
      }
      throw new GraphTransportError(this.#describe(err), label, {
        requestMayHaveReachedMeta: !NEVER_SENT.has(errorCode(err) ?? ''),
      });
    }
  }

  #path(path: string, query: GraphCall<unknown>['query']): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) params.set(key, String(value));
    }
    const search = params.toString();
    return `${this.#prefix}${path}${search ? `?${search}` : ''}`;
  }

  #describe(err: unknown): string {
    const code = errorCode(err);
    switch (code) {
      case 'UND_ERR_CONNECT_TIMEOUT':
        return `could not connect to Graph within ${this.#options.connectTimeoutMs} ms`;
      case 'UND_ERR_HEADERS_TIMEOUT':
        return `Graph did not answer within ${this.#options.requestTimeoutMs} ms`;
      case 'UND_ERR_BODY_TIMEOUT':
        return `Graph's answer stalled for ${this.#options.requestTimeoutMs} ms`;
      case 'UND_ERR_SOCKET':
        return 'the connection to Graph closed before the answer was complete';
      case 'UND_ERR_CLOSED':
      case 'UND_ERR_DESTROYED':
        return 'the Graph client is closed';
      default:
        // Where it tried: a sandbox on another port than the command line's (SANDBOX_PORT) is found at once.
        return `network error reaching Graph at ${new URL(this.#options.baseUrl).origin}${code ? ` (${code})` : ''}`;
    }
  }
}

/** Failures while connecting: no byte of the request reached Graph, so even a non-idempotent call may be retried. */
const NEVER_SENT = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function failureOf(err: unknown): Pick<GraphCallRecord, 'outcome' | 'code'> {
  if (err instanceof GraphError) return { outcome: 'meta_error', code: String(err.code) };
  if (err instanceof GraphTransportError) return { outcome: 'unreachable', code: '' };
  if (err instanceof GraphResponseError) return { outcome: 'bad_answer', code: '' };
  return { outcome: 'refused', code: '' };
}

function errorCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
