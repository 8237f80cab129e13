// The HTTP API under test: buildHttpApp on a loopback port, on a bench's dev server, worker task queue and Graph
// sandbox, with a token file of its own (made by the real token code) and a principal per role, plus some limited
// to portfolios. Calls go over real HTTP (fetch).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { type Logger } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import type { JourneyView } from '../../src/domain/journey.js';
import type { SignupServices } from '../../src/http/api/signups.js';
import { PrincipalDirectory } from '../../src/http/auth/directory.js';
import type { Role } from '../../src/http/auth/principals.js';
import { addPrincipal } from '../../src/http/auth/token-file.js';
import type { Bench } from '../support/bench.js';
import { freshId, freshNumber } from '../support/journeys.js';
import { tempDir } from '../support/processes.js';
import { harnessHttpApp } from '../support/http-app.js';
import { OpenApiConformance, type OpenApiDocument } from '../support/openapi-conformance.js';

/** A portfolio no bench has: principals limited to it see nothing of the bench's journeys. */
export const OTHER_PORTFOLIO = freshId();

/** The principals every API test has; `…@elsewhere` see only OTHER_PORTFOLIO, `…@bench` only the bench's. */
const principalsOf = (benchPortfolio: string) =>
  ({
    onboarding: { name: 'onboarding@test', roles: ['onboarding'] },
    operator: { name: 'operator@test', roles: ['operator'] },
    admin: { name: 'admin@test', roles: ['admin'] },
    auditor: { name: 'auditor@test', roles: ['auditor'] },
    elsewhere: { name: 'ops@elsewhere', roles: ['onboarding', 'operator', 'admin'], portfolios: [OTHER_PORTFOLIO] },
    bench: { name: 'ops@bench', roles: ['onboarding', 'operator'], portfolios: [benchPortfolio] },
  }) satisfies Record<string, { name: string; roles: Role[]; portfolios?: string[] }>;

export type Who = keyof ReturnType<typeof principalsOf>;
export const roleNames = ['onboarding', 'operator', 'admin', 'auditor'] as const satisfies readonly Who[];

/** An answer; `T` is what the caller expects the body to be (the tests check it). */
export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  /** A principal, a raw token, or nobody (no Authorization header). */
  as?: Who | { token: string } | null;
  /** An object is sent as JSON; a string as it is (with content-type JSON). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Api {
  url: string;
  app: FastifyInstance;
  tokenFile: string;
  tokens: Record<Who, string>;
  principal(who: Who): string;
  call<T = unknown>(method: string, path: string, options?: CallOptions): Promise<Answer<T>>;
  /** A valid start body for the bench's WABA and portfolio, with a fresh number. */
  startBody(overrides?: Record<string, unknown>): Record<string, unknown> & { phoneNumber: string };
  /** Starts a journey as onboarding@test; answers its number. */
  start(overrides?: Record<string, unknown>): Promise<string>;
  /** Polls GET /v1/journeys/{e164} until `predicate` holds. */
  until(e164: string, predicate: (view: JourneyView) => boolean, what: string): Promise<JourneyView>;
}

/** How the tests' service names itself in the dead letters' answers (a service names its host and port). */
export const TEST_REPLICA = 'replica-a:8080';

export interface ApiOptions {
  pollMs?: number;
  keepAliveMs?: number;
  /** The service's Temporal client (made by an earlier beforeAll); the bench's by default. */
  client?: () => Client;
  /** The service's logger (silent by default). */
  logger?: Logger;
  /** The task queue journeys are started on; the bench's by default (one no worker polls keeps them unstarted). */
  taskQueue?: string;
  /** POST /v1/signups's services (made by an earlier beforeAll); left out, it answers 501. */
  signups?: () => SignupServices;
  /** The webhook inbox's file (prepared by an earlier beforeAll, or made here when true); left out, none. */
  webhookInbox?: true | (() => string);
}

export function useApi(t: Bench, options: ApiOptions = {}): Api {
  const api = {} as Api;
  beforeAll(async () => {
    const tokenFile = join(tempDir('api-tokens'), 'api-tokens.json');
    const principals = principalsOf(t.bench.portfolioId);
    const tokens = Object.fromEntries(
      Object.entries(principals).map(([who, principal]) => [who, addPrincipal(tokenFile, principal)]),
    ) as Record<Who, string>;
    const app = await harnessHttpApp(t.bench, {
      client: options.client?.() ?? t.env.client,
      taskQueue: options.taskQueue ?? t.bench.taskQueue,
      ...(options.logger ? { logger: options.logger } : {}),
      identities: t.bench.identities,
      principals: PrincipalDirectory.fromFile(tokenFile),
      events: { pollMs: options.pollMs ?? 200, keepAliveMs: options.keepAliveMs ?? 15_000 },
      signups: options.signups?.(),
      ...(options.webhookInbox
        ? { webhookInbox: { file: inboxFileOf(options.webhookInbox), replica: TEST_REPLICA } }
        : {}),
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    // Every answer a test reads is checked against the service's document, as a generated client would check it.
    const documented = new OpenApiConformance((await (await fetch(`${url}/openapi.json`)).json()) as OpenApiDocument);
    const call = async <T>(method: string, path: string, { as = 'operator', body, headers = {} }: CallOptions = {}) => {
      const token = as === null ? null : typeof as === 'string' ? tokens[as] : as.token;
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      const contentType = response.headers.get('content-type');
      const json = contentType?.startsWith('application/json') && text !== '';
      const parsed: unknown = json ? JSON.parse(text) : text;
      const mismatch = documented.mismatch(method, path, response.status, contentType, parsed);
      if (mismatch) throw new Error(`the answer is not as /openapi.json says: ${mismatch}`);
      return { status: response.status, headers: response.headers, body: parsed as T };
    };
    const startBody: Api['startBody'] = (overrides = {}) => ({
      wabaId: t.bench.wabaId,
      portfolioId: t.bench.portfolioId,
      phoneNumber: freshNumber(),
      displayName: 'Acme Support',
      ...overrides,
    });
    Object.assign(api, {
      url,
      app,
      tokenFile,
      tokens,
      principal: (who: Who) => principals[who].name,
      call,
      startBody,
      async start(overrides = {}) {
        const body = startBody(overrides);
        const answer = await call<{ workflowId: string; journey: JourneyView | null }>('POST', '/v1/journeys', {
          as: 'onboarding',
          body,
          headers: { 'idempotency-key': randomUUID() },
        });
        if (answer.status !== 201) throw new Error(`start answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        // A loaded worker may not answer the view in time: the start answers without it (journey null).
        return answer.body.journey?.e164 ?? answer.body.workflowId.slice('number:'.length);
      },
      async until(e164, predicate, what) {
        let last: JourneyView | undefined;
        for (let attempt = 0; attempt < 600; attempt++) {
          const answer = await call<JourneyView>('GET', `/v1/journeys/${e164}`, { as: 'auditor' });
          last = answer.body;
          if (answer.status === 200 && predicate(last)) return last;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        throw new Error(`journey never reached: ${what}; last seen ${JSON.stringify(last?.stage)}`);
      },
    } satisfies Api);
  });
  afterAll(async () => api.app?.close());
  return api;
}

const inboxFileOf = (given: true | (() => string)) =>
  given === true ? join(tempDir('api-inbox'), 'webhook-inbox.sqlite') : given();

/** Retries `read` until `done` holds (visibility lags the journeys by a moment); bounded. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  let last: T | undefined;
  for (let attempt = 0; attempt < 100; attempt++) {
    last = await read();
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`never saw ${what}; last: ${JSON.stringify(last)}`);
}

export interface ServerEvent {
  id: string | null;
  event: string;
  data: unknown;
}

export interface EventStream {
  status: number;
  contentType: string | null;
  events: ServerEvent[];
  /** How many comment lines (keep-alives) came. */
  comments(): number;
  /** Waits (bounded) until an event satisfies `predicate`. */
  until(predicate: (event: ServerEvent) => boolean, what: string): Promise<ServerEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens GET /v1/journeys/{e164}/events and parses the Server-Sent Events as they come. */
export async function openEvents(api: Api, e164: string, who: Who | { token: string }): Promise<EventStream> {
  const aborted = new AbortController();
  const token = typeof who === 'string' ? api.tokens[who] : who.token;
  const response = await fetch(`${api.url}/v1/journeys/${e164}/events`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: aborted.signal,
  });
  const events: ServerEvent[] = [];
  let comments = 0;
  const read = async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const field = (name: string) =>
          block
            .split('\n')
            .find((line) => line.startsWith(`${name}: `))
            ?.slice(name.length + 2) ?? null;
        if (block.startsWith(':')) comments += 1;
        const event = field('event');
        if (event) events.push({ id: field('id'), event, data: JSON.parse(field('data') ?? 'null') });
      }
    }
  };
  const ended = read().catch((err: unknown) => {
    if (!aborted.signal.aborted) throw err;
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    events,
    comments: () => comments,
    ended,
    close: () => aborted.abort(),
    async until(predicate, what) {
      for (let attempt = 0; attempt < 600; attempt++) {
        const found = events.find(predicate);
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`the stream never showed ${what}; it showed ${events.map((e) => e.event).join(', ')}`);
    },
  };
}
