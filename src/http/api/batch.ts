// POST /v1/journeys:batch: up to 1,000 journey starts in one request. Every row is checked first; one invalid row
// starts nothing unless skipInvalid says to start the valid ones. Each row starts under the key its content makes,
// so the same rows sent again start nothing twice and answer "already_running".
import { checkRows, rowNumber, startRows, type RowProblems, type RowResult } from '../../journeys/index.js';
import { principalOf } from '../auth/hooks.js';
import { seesPortfolio, type Principal } from '../auth/principals.js';
import { ApiError, type Problem } from '../errors.js';
import { errors, secured, startCaller, type ApiContext, type ZodApp } from './context.js';
import { BATCH_BODY_LIMIT, batchAnswer, batchBody } from './schemas.js';
import type { z } from 'zod';

/** The service's own pace: a batch is answered within about 10 s and leaves Temporal room for the journeys. */
const SERVICE_PACE = { ratePerSecond: 100, concurrency: 8 };

type BatchAnswer = z.output<typeof batchAnswer>;

export function batchRoutes(app: ZodApp, context: ApiContext): void {
  const start = secured(context, 'start', ['journeys']);
  app.post(
    // '::' is a literal ':' in a Fastify path (a single one would start a parameter).
    '/v1/journeys::batch',
    {
      ...start,
      bodyLimit: BATCH_BODY_LIMIT,
      schema: {
        ...start.schema,
        summary: 'start up to 1,000 journeys (onboarding); each row idempotent by its content',
        description:
          "Every row is checked before any starts: an invalid row answers 400 with every invalid row's problems (rows.<index>.<field>) and starts nothing, unless skipInvalid. checkOnly answers the invalid rows and starts none. A row sent before answers already_running with its journey. The body may be up to 1 MiB.",
        body: batchBody,
        response: { 200: batchAnswer.describe('each row, by its index'), ...errors(400, 413, 415) },
      },
    },
    async (request) => {
      // A client of POST /v1/journeys may believe a batch is keyed by its header: a retried batch with edited rows
      // under "the same key" would start the edits. Each row is keyed by its content; the header is refused.
      if (request.headers['idempotency-key'] !== undefined) {
        const message = 'is not taken by a batch: each row is keyed by its content (send the same row, it starts once)';
        throw new ApiError(400, 'invalid_request', `the request is not valid: Idempotency-Key: ${message}`, [
          { in: 'header', field: 'Idempotency-Key', message },
        ]);
      }
      const principal = principalOf(request);
      const { rows, skipInvalid, checkOnly } = request.body;
      const { good, bad } = checkRows(
        rows.map((fields, index) => ({ line: index, fields })),
        principal.name,
        { place: 'rows' },
      );
      const refused = outsidePortfolios(principal, good);
      const invalid = [...bad, ...refused].sort((a, b) => a.line - b.line);
      if (checkOnly) return answerOf([], invalid, rows);
      if (invalid.length > 0 && !skipInvalid) {
        throw new ApiError(
          400,
          'invalid_request',
          `${invalid.length} of ${rows.length} rows are not valid; nothing was started (fix them, or send skipInvalid: true to start the valid ones)`,
          invalid.flatMap(problemsOfRow),
        );
      }
      const startable = good.filter((row) => !refused.some((r) => r.line === row.line));
      const caller = startCaller(principal);
      const started = await startRows(context.client, context.startOnce, startable, SERVICE_PACE, undefined, caller);
      return answerOf(started, invalid, rows);
    },
  );
}

function outsidePortfolios(principal: Principal, rows: ReturnType<typeof checkRows>['good']): RowProblems[] {
  return rows
    .filter((row) => !seesPortfolio(principal, row.input.portfolioId))
    .map((row) => ({
      line: row.line,
      problems: [`portfolioId: ${principal.name} may not start journeys in portfolio ${row.input.portfolioId}`],
    }));
}

/** "field: message" → the API's problem, its field under rows.<index>. */
function problemsOfRow({ line, problems }: RowProblems): Problem[] {
  return problems.map((text) => {
    const colon = text.indexOf(': ');
    const field = colon > 0 ? text.slice(0, colon) : '';
    const message = colon > 0 ? text.slice(colon + 2) : text;
    return { in: 'body', field: ['rows', line, field].filter((part) => part !== '').join('.'), message };
  });
}

/** `rows`: as sent, so that an invalid row whose number reads as one still names it. */
function answerOf(started: RowResult[], invalid: RowProblems[], rows: readonly unknown[]): BatchAnswer {
  const results: BatchAnswer['results'] = [
    ...started.map(({ line, ...result }) => ({ index: line, ...result, problems: [] })),
    ...invalid.map(({ line, problems }) => ({
      index: line,
      e164: rowNumber(rows[line]),
      outcome: 'invalid' as const,
      workflowId: null,
      runId: null,
      stage: null,
      error: null,
      problems,
    })),
  ].sort((a, b) => a.index - b.index);
  const count = (outcome: BatchAnswer['results'][number]['outcome']) =>
    results.filter((r) => r.outcome === outcome).length;
  return {
    results,
    counts: {
      started: count('started'),
      alreadyRunning: count('already_running'),
      failed: count('failed'),
      invalid: count('invalid'),
    },
  };
}
