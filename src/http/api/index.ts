// The /v1 API on the service: its OpenAPI 3.1 document (/openapi.json, built from the routes' zod schemas), the
// interactive reference (/docs), health and readiness, and the routes, one file per resource.
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { jsonSchemaTransform, jsonSchemaTransformObject, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { createStartOnce, type StartOptions } from '../../journeys/index.js';
import type { PrincipalDirectory } from '../auth/directory.js';
import { ApiError } from '../errors.js';
import { actionRoutes } from './actions.js';
import { auditRoutes } from './audit.js';
import { batchRoutes } from './batch.js';
import { deadLetterRoutes } from './dead-letters.js';
import type { ApiContext } from './context.js';
import { eventRoutes, eventStreamDefaults } from './events.js';
import { healthRoutes } from './health.js';
import { journeyRoutes } from './journeys.js';
import { PageTokens } from './page-token.js';
import { numberRoutes } from './numbers.js';
import { pinRevealRoutes } from './pin-reveal.js';
import { bodyMayBeLeftOut, documented, withBodyOptional } from './openapi-document.js';
import { noQuery } from './schemas.js';
import { portfolioRoutes } from './portfolios.js';
import { signupRoutes, type SignupServices } from './signups.js';

export interface ApiOptions {
  client: Client;
  taskQueue: string;
  /** The portfolios' task queue, also checked by /readyz (src/config.ts portfolioTaskQueue); else taskQueue. */
  portfolioTaskQueue?: string;
  principals: PrincipalDirectory;
  /** How journeys are started (without search attributes on the time-skipping test server). */
  start?: StartOptions;
  events?: Partial<ApiContext['events']>;
  /** Seals the list's page tokens; instances of a fleet need the same (PageTokens.derivedFrom the payload key). */
  pageTokens?: PageTokens;
  /** POST /v1/signups (left out: it answers 501). */
  signups?: SignupServices;
  graph?: ApiContext['graph'];
  identities?: ApiContext['identities'];
  deadLetters?: ApiContext['deadLetters'];
}

export async function registerApi(app: FastifyInstance, options: ApiOptions): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'numberflow',
        version: '1',
        description:
          "WhatsApp Business phone numbers through Meta's onboarding, one durable journey per number. Every /v1 call takes a bearer token; the token's principal is recorded as the actor of what it does; each operation says the roles it allows. Every GET also answers HEAD (its status and headers, no body).",
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'a token of the API token file (nf_…)' },
        },
      },
    },
    hideUntagged: true, // Meta's webhook endpoint and the legacy /health are not the API
    transform: (route) =>
      withBodyOptional(withOperationId(jsonSchemaTransform(route), route.route.method), route.schema?.body),
    transformObject: (document) => documented(withoutUnusedSchemas(jsonSchemaTransformObject(document))),
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  const context: ApiContext = {
    client: options.client,
    taskQueue: options.taskQueue,
    principals: options.principals,
    startOnce: createStartOnce(options.client, options.taskQueue, options.start),
    pageTokens: options.pageTokens ?? new PageTokens(),
    events: { ...eventStreamDefaults, ...options.events },
    signups: options.signups,
    graph: options.graph,
    identities: options.identities,
    deadLetters: options.deadLetters,
  };
  // A /v1 route that takes no query refuses one, as those that take one refuse an unknown parameter: a misspelt
  // `page_size` must not be answered as if it were not there.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/') || !route.schema || route.schema.querystring) return; // (no route here uses the `query` alias)
    route.schema = { ...route.schema, querystring: noQuery };
  });
  // A route that needs a body, sent none: its fields are each named as required, as in a body `{}` ("reason: is
  // required"), rather than the body as a whole with no field.
  app.addHook('preValidation', async (request) => {
    if (!request.routeOptions.url?.startsWith('/v1/')) return; // the API's own: not the console's forms, nor Meta's
    const body: unknown = request.routeOptions.schema?.body;
    if (request.body !== undefined || !(body instanceof z.ZodType) || bodyMayBeLeftOut(body)) return;
    request.body = {};
  });
  // A parameter given twice is read as a list, which no /v1 parameter is: said so, rather than "must be a number".
  app.addHook('preValidation', async (request) => {
    // A route that takes no query refuses any parameter as not one of its own (noQuery), once or twice.
    if (!request.routeOptions.url?.startsWith('/v1/') || request.routeOptions.schema?.querystring === noQuery) return;
    const repeated = Object.entries(request.query ?? {}).flatMap(([field, value]) =>
      Array.isArray(value) ? [{ in: 'query' as const, field, message: 'is given more than once' }] : [],
    );
    if (repeated.length > 0) {
      const what = repeated.map((p) => `${p.field}: ${p.message}`).join('; ');
      throw new ApiError(400, 'invalid_request', `the request is not valid: ${what}`, repeated);
    }
  });
  const api = app.withTypeProvider<ZodTypeProvider>();
  healthRoutes(api, options.client, [options.taskQueue, options.portfolioTaskQueue ?? options.taskQueue]);
  batchRoutes(api, context);
  journeyRoutes(api, context);
  actionRoutes(api, context);
  eventRoutes(api, context);
  portfolioRoutes(api, context);
  signupRoutes(api, context);
  auditRoutes(api, context);
  pinRevealRoutes(api, context);
  numberRoutes(api, context);
  deadLetterRoutes(api, context);
}

/**
 * Each operation named for the clients generated from the document: its method, then its path's words, a parameter
 * as "By…" — GET /v1/journeys/{e164}/runs is getJourneysByE164Runs; POST /v1/journeys:batch is postJourneysBatch.
 */
export function operationIdOf(method: string, url: string): string {
  const words = url
    .split('/')
    .filter((segment) => segment !== '' && segment !== 'v1')
    .map((segment) => {
      const parameter = /^(?::|\{)(\w+)\}?$/.exec(segment);
      if (parameter) return `By${capital(parameter[1] ?? '')}`;
      return segment.split(/[:_-]/).map(capital).join('');
    });
  return `${method.toLowerCase()}${words.join('')}`;
}

const capital = (word: string) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`;

function withOperationId<T extends { schema?: object; url: string }>(transformed: T, method: string | string[]): T {
  if (!transformed.schema) return transformed; // a route without a schema is not in the document
  const first = Array.isArray(method) ? (method[0] ?? 'GET') : method;
  const schema = transformed.schema as { operationId?: string };
  return {
    ...transformed,
    schema: { ...transformed.schema, operationId: schema.operationId ?? operationIdOf(first, transformed.url) },
  };
}

/**
 * The zod registry gives every named schema an input and an output form; the document keeps those some route or
 * other schema refers to.
 */
function withoutUnusedSchemas<Document extends object>(document: Document): Document {
  if (!('components' in document)) return document;
  const components = (document.components ?? {}) as { schemas?: Record<string, unknown> };
  const schemas = { ...components.schemas };
  for (let changed = true; changed;) {
    changed = false;
    for (const name of Object.keys(schemas)) {
      const { [name]: _self, ...others } = schemas;
      const text = JSON.stringify({ ...document, components: { ...components, schemas: others } });
      if (text.includes(`"#/components/schemas/${name}"`)) continue;
      delete schemas[name];
      changed = true;
    }
  }
  return { ...document, components: { ...components, schemas } };
}
