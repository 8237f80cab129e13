import { Validator } from '@seriousme/openapi-schema-validator';
import { createServer, type AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { useBench } from '../support/bench.js';
import { uniqueTaskQueue } from '../support/temporal.js';
import { useApi } from './support.js';
import { harnessHttpApp, loggerInto } from '../support/http-app.js';

/** A body's field as the document says it. */
interface Field {
  description?: string;
  pattern?: string;
  examples?: string[];
}

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<
    string,
    { description?: string; headers?: Record<string, unknown>; content?: Record<string, { schema: { $ref?: string } }> }
  >;
}

describe("the API's OpenAPI document, reference page and health (dev server)", () => {
  const t = useBench('dev');
  const api = useApi(t);

  it('serves an OpenAPI 3.1 document with every /v1 route, its bearer security and its error answers', async () => {
    const answer = await fetch(`${api.url}/openapi.json`);
    expect(answer.status).toBe(200);
    const document = (await answer.json()) as {
      openapi: string;
      paths: Record<string, Record<string, Operation>>;
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
    };
    const validated = await new Validator().validate(document as unknown as Parameters<Validator['validate']>[0]);
    expect(validated.errors).toBeUndefined();
    expect(validated.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });

    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, operation })),
    );
    expect(operations.map((o) => o.route).sort()).toEqual(
      [
        'GET /healthz',
        'GET /readyz',
        'GET /v1/journeys',
        'POST /v1/journeys',
        'POST /v1/journeys:batch',
        'POST /v1/signups',
        'GET /v1/journeys/summary',
        'GET /v1/journeys/{e164}',
        'GET /v1/journeys/{e164}/runs',
        'GET /v1/journeys/{e164}/events',
        'POST /v1/journeys/{e164}/otp',
        'POST /v1/journeys/{e164}/pin',
        'POST /v1/journeys/{e164}/display-name',
        'POST /v1/journeys/{e164}/resend',
        'POST /v1/journeys/{e164}/cancel',
        'POST /v1/journeys/{e164}/removal',
        'POST /v1/journeys/{e164}/deletion-confirmation',
        'POST /v1/journeys/{e164}/pin-reveal',
        'POST /v1/journeys/{e164}/identity-check',
        'POST /v1/journeys/{e164}/test-message',
        'POST /v1/numbers/{e164}/messages',
        'GET /v1/numbers/{e164}/identities',
        'GET /v1/numbers/{e164}/identities/{waId}',
        'POST /v1/numbers/{e164}/identities/{waId}/confirmation',
        'GET /v1/journeys/{e164}/audit',
        'GET /v1/portfolios/{portfolioId}/export',
        'GET /v1/portfolios/{portfolioId}',
        'PUT /v1/portfolios/{portfolioId}/cap',
        'POST /v1/portfolios/{portfolioId}/reconcile',
        'GET /v1/webhooks/dead-letters',
        'POST /v1/webhooks/dead-letters/{id}/replay',
        'DELETE /v1/webhooks/dead-letters/{id}',
      ].sort(),
    );
    // Every operation named, each name its own, as a client generator takes them.
    const ids = operations.map((o) => (o.operation as Operation & { operationId?: string }).operationId);
    expect(new Set(ids).size).toBe(operations.length);
    expect(ids).toContain('getJourneysByE164Runs');
    expect(ids).toContain('postJourneysBatch');
    expect(ids).toContain('postNumbersByE164IdentitiesByWaIdConfirmation');
    for (const { route, operation } of operations.filter((o) => o.route.includes(' /v1/'))) {
      expect(operation.security, route).toEqual([{ bearer: [] }]);
      for (const status of ['401', '403']) {
        expect(operation.responses[status]?.content?.['application/json']?.schema, `${route} ${status}`).toEqual({
          $ref: '#/components/schemas/Error',
        });
      }
      if (route.startsWith('POST') || route.startsWith('PUT')) {
        expect(Object.keys(operation.responses), route).toEqual(expect.arrayContaining(['400', '413']));
      }
      // What any request may meet before or beside its route: a slow or oversized head, a method the path does not
      // take, a failure of the service.
      expect(Object.keys(operation.responses), route).toEqual(
        expect.arrayContaining(['405', '408', '431', '500', '503']),
      );
      expect(operation.responses['405']?.headers, route).toHaveProperty('Allow');
      // The roles it allows, for a machine and in its words.
      const { 'x-roles': roles, description } = operation as Operation & { 'x-roles'?: string[]; description?: string };
      expect(roles?.length, route).toBeGreaterThan(0);
      expect(description, route).toMatch(new RegExp(`Roles: ${(roles ?? []).join(', ')}\\.$`));
      expect(operation.responses['401']?.headers, route).toHaveProperty('WWW-Authenticate');
      expect(operation.responses['200']?.description, route).not.toBe('Default Response');
    }
    // A body the service takes left out is not required by the document (a generated client would send {}).
    const requestBodyOf = (route: string) =>
      (operations.find((o) => o.route === route)?.operation as Operation & { requestBody?: { required: boolean } })
        .requestBody;
    for (const route of [
      'POST /v1/journeys/{e164}/resend',
      'POST /v1/journeys/{e164}/deletion-confirmation',
      'POST /v1/webhooks/dead-letters/{id}/replay',
    ])
      expect(requestBodyOf(route)?.required, route).toBe(false);
    expect(requestBodyOf('POST /v1/journeys/{e164}/otp')?.required).toBe(true);
    expect(JSON.stringify(operations.map((o) => o.operation))).not.toContain('x-numberflow');
    // The headers the answers carry: the created journey's place, a PIN and an audit never kept by a cache.
    const headersOf = (route: string, status: string) =>
      Object.keys(operations.find((o) => o.route === route)?.operation.responses[status]?.headers ?? {});
    expect(headersOf('POST /v1/journeys', '201')).toEqual(['Location']);
    expect(headersOf('POST /v1/journeys/{e164}/pin-reveal', '200')).toEqual(['Cache-Control']);
    expect(headersOf('GET /v1/journeys/{e164}/audit', '200')).toEqual(['Cache-Control', 'Content-Security-Policy']);
    expect(headersOf('GET /v1/portfolios/{portfolioId}/export', '200')).toEqual([
      'Cache-Control',
      'Content-Disposition',
    ]);
    expect(
      Object.keys(document.paths['/v1/numbers/{e164}/identities/{waId}/confirmation']?.post?.responses ?? {}),
    ).toContain('501');
    // The display name's rules are in the reference, not found out from 400s.
    expect(
      JSON.stringify(document.paths['/v1/journeys']?.post) + JSON.stringify(document.components.schemas),
    ).toContain('the name customers see, which Meta reviews: 3–255 characters');
    // The code's and the PIN's rules are patterns a client can check, with examples the service takes.
    const bodyOf = (path: string) =>
      (
        document.paths[path]?.post as Operation & {
          requestBody: { content: { 'application/json': { schema: { properties: Record<string, Field> } } } };
        }
      ).requestBody.content['application/json'].schema.properties;
    const code = bodyOf('/v1/journeys/{e164}/otp').code as Field;
    const pin = bodyOf('/v1/journeys/{e164}/pin').pin as Field;
    for (const [field, taken, refused] of [
      [code, ['123830', '123-830', ' 123 830 '], ['12383', '1234567', '123_830']],
      [pin, ['135790'], ['13579', '13579a']],
    ] as const) {
      const pattern = new RegExp(field.pattern ?? '(?!)');
      for (const value of [...taken, ...(field.examples ?? [])]) expect(pattern.test(value), value).toBe(true);
      for (const value of refused) expect(pattern.test(value), value).toBe(false);
      expect(field.examples?.length).toBeGreaterThan(0);
    }
    expect(code.description).toContain('6-digit');
    expect(code.description).toContain('which the pattern leaves out'); // its other scripts: said, not contradicted
    const rolesOf = (route: string) =>
      (operations.find((o) => o.route === route)?.operation as Operation & { 'x-roles'?: string[] })['x-roles'];
    expect(rolesOf('POST /v1/journeys/{e164}/otp')).toEqual(['operator', 'admin']);
    expect(rolesOf('GET /v1/portfolios/{portfolioId}/export')).toEqual(['auditor', 'admin']);
    expect(rolesOf('POST /v1/journeys')).toEqual(['onboarding']);
    // The display name's length is the rule's (in characters), not the bound of the work; a number in the path is E.164.
    const nameField = bodyOf('/v1/journeys/{e164}/display-name').displayName as Field & Record<string, unknown>;
    expect(nameField).toMatchObject({ minLength: 3, maxLength: 255 });
    expect(document.components.schemas.StartJourneyInput).toMatchObject({
      properties: { displayName: { minLength: 3, maxLength: 255 } },
    });
    const e164Parameter = (
      document.paths['/v1/journeys/{e164}']?.get as Operation & {
        parameters: { in: string; name: string; schema: { pattern?: string } }[];
      }
    ).parameters.find((p) => p.in === 'path' && p.name === 'e164');
    const e164Pattern = new RegExp(e164Parameter?.schema.pattern ?? '(?!)');
    for (const taken of ['+14155552671', '+15550001234', '+919876543210'])
      expect(e164Pattern.test(taken), taken).toBe(true);
    for (const refused of ['14155552671', '+0123', 'abc', '+1415555267123456'])
      expect(e164Pattern.test(refused), refused).toBe(false);
    // A query number's default is the document's, not only its description's.
    const pageSize = (
      document.paths['/v1/journeys']?.get as Operation & {
        parameters: { name: string; schema: Record<string, unknown> }[];
      }
    ).parameters.find((p) => p.name === 'pageSize');
    expect(pageSize?.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
    // A batch's rows are StartJourney bodies (each checked on its own).
    const batch = bodyOf('/v1/journeys:batch') as Record<string, { items?: Record<string, unknown> }>;
    expect(batch.rows?.items).toMatchObject({ $ref: '#/components/schemas/StartJourneyInput' });
    // The event stream is said as what it is: a client made from the document must not wait for one JSON body.
    const events = document.paths['/v1/journeys/{e164}/events']?.get as Operation;
    expect(Object.keys(events.responses['200']?.content ?? {})).toEqual(['text/event-stream']);
    const start = document.paths['/v1/journeys']?.post as Operation & {
      parameters: { in: string; name: string; required: boolean }[];
    };
    expect(start.parameters).toContainEqual(
      expect.objectContaining({ in: 'header', name: 'idempotency-key', required: true }),
    );
  });

  it('serves the interactive reference at /docs', async () => {
    const page = await fetch(`${api.url}/docs`, { redirect: 'follow' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Swagger UI');
  });

  it('answers /healthz always, and /readyz only while Temporal answers and a worker polls the task queue', async () => {
    /** /healthz and /readyz of an app built with `options` (closed after): /readyz's status and body. */
    const readiness = async (options: Parameters<typeof harnessHttpApp>[1]) => {
      const app = await harnessHttpApp(t.bench, options);
      try {
        expect((await app.inject({ url: '/healthz' })).json()).toEqual({ ok: true });
        const answer = await app.inject({ url: '/readyz' });
        return { status: answer.statusCode, body: answer.json<unknown>() };
      } finally {
        await app.close();
      }
    };
    /** An app whose `queue` option names a queue nobody polls: /readyz answers 503 naming it. */
    const notReadyWithout = async (queue: 'taskQueue' | 'portfolioTaskQueue', prefix: string) =>
      expect(await readiness({ [queue]: uniqueTaskQueue(prefix) })).toMatchObject({
        status: 503,
        body: {
          ready: false,
          checks: {
            temporal: 'ok',
            worker: expect.stringMatching(new RegExp(`^no worker has polled task queue "${prefix}-`)),
          },
        },
      });
    await notReadyWithout('taskQueue', 'nobody-polls');
    // A probe's answer is logged at debug (a line every few seconds that says nothing); not ready, at info.
    const logged: string[] = [];
    const probed = await harnessHttpApp(t.bench, { taskQueue: uniqueTaskQueue('probed'), logger: loggerInto(logged) });
    try {
      for (const url of ['/healthz', '/health', '/readyz']) await probed.inject({ url });
    } finally {
      await probed.close();
    }
    const requestLines = logged.map((line) => JSON.parse(line) as { msg: string; path: string; status: number });
    expect(requestLines.filter((line) => line.msg === 'request').map(({ path, status }) => ({ path, status }))).toEqual(
      [{ path: '/readyz', status: 503 }],
    );
    // A Temporal that takes the connection and never answers: 503 within the check's bound, said in words (gRPC's
    // own, "Deadline exceeded after 0.000s", read as if nothing was waited for).
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const connection = Connection.lazy({ address: `127.0.0.1:${(silent.address() as AddressInfo).port}` });
    try {
      expect(await readiness({ client: new Client({ connection }) })).toEqual({
        status: 503,
        body: {
          ready: false,
          checks: {
            temporal: 'Temporal does not answer for namespace "default": no answer within 3 s',
            worker: 'not checked: Temporal is not reachable',
          },
        },
      });
    } finally {
      await connection.close();
      silent.close();
    }
    await t.bench.run(async () => {
      // The worker has just started: the server shows its poller once its first poll has arrived.
      let ready = await fetch(`${api.url}/readyz`);
      for (let i = 0; i < 100 && ready.status !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        ready = await fetch(`${api.url}/readyz`);
      }
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ ready: true, checks: { temporal: 'ok', worker: 'ok' } });
      // The portfolios' own queue needs a worker too: without one no journey gets a slot.
      await notReadyWithout('portfolioTaskQueue', 'no-portfolios');
    });
  });
});
