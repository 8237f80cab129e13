// /v1/journeys: start one (idempotent), list them, sum them up, read one and every run of its number.
import { journeyInputFrom } from '../../domain/journey-input.js';
import {
  describeStarted,
  journeyListQuery,
  journeyRuns,
  withoutResetRuns,
  listPage,
  startRequestHashes,
  summarizeJourneys,
} from '../../journeys/index.js';
import { principalOf } from '../auth/hooks.js';
import { describeJourneyFor } from '../auth/journey-scope.js';
import { seesPortfolio } from '../auth/principals.js';
import { ApiError } from '../errors.js';
import { errors, secured, startCaller, type ApiContext, type ZodApp } from './context.js';
import {
  e164Params,
  idempotencyHeaders,
  journeyViewSchema,
  listAnswer,
  listQuery,
  runsAnswer,
  startedSchema,
  startJourneyBody,
  summaryAnswer,
  summaryQuery,
} from './schemas.js';

export function journeyRoutes(app: ZodApp, context: ApiContext): void {
  const { client } = context;

  const start = secured(context, 'start', ['journeys']);
  app.post(
    '/v1/journeys',
    {
      ...start,
      schema: {
        ...start.schema,
        summary: "start a number's journey (onboarding)",
        description:
          'The same Idempotency-Key and body answer the same journey (200); the key with another body is a conflict (409), and so is a number whose journey runs under another key.',
        headers: idempotencyHeaders,
        body: startJourneyBody,
        response: {
          200: startedSchema.describe('the journey an earlier request with this key and body started'),
          201: startedSchema.describe('started'),
          ...errors(400, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      if (!seesPortfolio(principal, body.portfolioId)) {
        throw new ApiError(
          403,
          'forbidden',
          `${principal.name} may not start journeys in portfolio ${body.portfolioId}`,
        );
      }
      const input = journeyInputFrom({ ...body, requestedBy: principal.name });
      const hashes = startRequestHashes(body, input.phoneNumber.e164, principal.name);
      const key = request.headers['idempotency-key'];
      const started = await context.startOnce(input, { key, ...hashes, ...startCaller(principal) });
      const journey = await describeStarted(client, input.phoneNumber.e164, started.runId, context.taskQueue);
      // A created journey says where it is read.
      if (started.created) reply.header('location', `/v1/journeys/${encodeURIComponent(input.phoneNumber.e164)}`);
      return reply
        .code(started.created ? 201 : 200)
        .send({ workflowId: started.workflowId, runId: started.runId, journey });
    },
  );

  const read = secured(context, 'read', ['journeys']);
  app.get(
    '/v1/journeys',
    {
      ...read,
      schema: {
        ...read.schema,
        summary: 'list journeys by stage, portfolio, WABA, or those waiting for an operator',
        querystring: listQuery,
        response: { 200: listAnswer.describe('a page of journeys, newest first'), ...errors(400) },
      },
    },
    async (request) => {
      const { stage, portfolioId, wabaId, awaitingInput, pageSize, pageToken } = request.query;
      const principal = principalOf(request);
      const filter = { stage, portfolioId, wabaId, awaitingInput, withinPortfolios: principal.portfolios ?? undefined };
      const query = journeyListQuery(filter);
      const token = pageToken === undefined ? null : context.pageTokens.open(query, pageToken);
      if (pageToken !== undefined && token === null) {
        throw new ApiError(400, 'invalid_request', 'pageToken is not one this service gave for this listing', [
          {
            in: 'query',
            field: 'pageToken',
            message: 'must be the nextPageToken of the previous page, with the same filters',
          },
        ]);
      }
      const page = withoutResetRuns(filter, await listPage(client, query, pageSize, token));
      const next = page.nextPageToken;
      return { items: page.items, nextPageToken: next ? context.pageTokens.seal(query, next) : null };
    },
  );

  app.get(
    '/v1/journeys/summary',
    {
      ...read,
      schema: {
        ...read.schema,
        summary: 'running journeys: counts per stage per portfolio, and those waiting for a person, oldest first',
        querystring: summaryQuery,
        response: { 200: summaryAnswer.describe('the summary'), ...errors(400) },
      },
    },
    (request) =>
      summarizeJourneys(context.client, {
        ...request.query,
        withinPortfolios: principalOf(request).portfolios ?? undefined,
      }),
  );

  app.get(
    '/v1/journeys/:e164',
    {
      ...read,
      schema: {
        ...read.schema,
        summary: "where the number's current (or last) journey stands",
        params: e164Params,
        response: { 200: journeyViewSchema.describe('the journey'), ...errors(400, 404) },
      },
    },
    async (request) => {
      const { e164 } = request.params;
      return describeJourneyFor(client, principalOf(request), e164);
    },
  );

  app.get(
    '/v1/journeys/:e164/runs',
    {
      ...read,
      schema: {
        ...read.schema,
        summary: 'every run of the number, newest first, with status, times and outcome',
        params: e164Params,
        response: { 200: runsAnswer.describe('the runs, newest first'), ...errors(400, 404) },
      },
    },
    async (request) => {
      const { e164 } = request.params;
      const principal = principalOf(request);
      const runs = (await journeyRuns(client, e164)).filter(
        (run) => run.portfolioId !== null && seesPortfolio(principal, run.portfolioId),
      );
      if (runs.length === 0) throw new ApiError(404, 'not_found', `no journey for ${e164}`);
      return { e164, runs };
    },
  );
}
