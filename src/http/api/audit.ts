// The auditor's routes: a number's timeline across all its runs (JSON, Markdown or the printable HTML page), and a
// portfolio's export (NDJSON or CSV) streamed as its histories are read, four at a time, so no export is ever held
// whole in memory. Auditors and admins only: both show who did what, with Meta's answers, and never a secret.
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  exportFormats,
  exportLines,
  withByteOrderMark,
  exportPortfolio,
  exportRowSchema,
  exportTimeSchema,
  timelineFormats,
  timelineSchema,
  type ExportFormat,
} from '../../audit/index.js';
import { portfolioKnown } from '../../portfolios/portfolio.js';
import { resumed } from '../../resumed.js';
import { ensureSees, principalOf } from '../auth/hooks.js';
import { ApiError } from '../errors.js';
import { errors, secured, type ApiContext, type ZodApp } from './context.js';
import { e164Params, portfolioParams } from './schemas.js';
import { sendTimeline, timelineFormatOf, timelineMediaTypes, visibleTimeline } from './timeline-answer.js';

const timelineAnswer = timelineSchema.meta({
  id: 'Timeline',
  description:
    "every run of the number, oldest first, and its customers' identity recoveries, entries merged in time; " +
    'no code, PIN, token or whole identity hash',
});
const exportRowAnswer = exportRowSchema.meta({ id: 'ExportRow', description: 'a timeline entry with its journey' });

const auditQuery = z
  .object({
    format: z
      .enum(timelineFormats)
      .optional()
      .describe('json, markdown or html (the printable page); left out: by the Accept header, else json'),
  })
  .strict();

const windowTime = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'is required: an ISO 8601 date or time, e.g. 2026-01-01 or 2026-01-01T00:00:00Z'
        : 'must be one ISO 8601 date or time',
  })
  .pipe(exportTimeSchema);

const exportQuery = z
  .object({
    since: windowTime.describe('runs started from this time (ISO 8601; a date alone is midnight UTC)'),
    until: windowTime.optional().describe('runs started until this time; default: now (a date alone is midnight UTC)'),
    format: z.enum(exportFormats).default('ndjson'),
    bom: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true')
      .describe('csv only: begin with a UTF-8 byte-order mark, so that spreadsheet programs read names right'),
  })
  .strict()
  .transform(({ until, ...query }, ctx) => {
    if (query.bom && query.format !== 'csv') {
      ctx.addIssue({ code: 'custom', path: ['bom'], message: 'is for format=csv only' });
    }
    const end = until ?? new Date();
    if (query.since >= end) {
      ctx.addIssue({
        code: 'custom',
        path: ['since'],
        message: `must be before until (${end.toISOString()})`,
      });
    }
    return { ...query, until: end };
  });

const exportMediaTypes = {
  ndjson: 'application/x-ndjson',
  csv: 'text/csv',
} as const satisfies Record<ExportFormat, string>;

export function auditRoutes(app: ZodApp, context: ApiContext): void {
  const { client } = context;

  const audit = secured(context, 'audit', ['audit']);
  app.get(
    '/v1/journeys/:e164/audit',
    {
      ...audit,
      schema: {
        ...audit.schema,
        summary: "the number's timeline across all its runs: who did what, when, with Meta's answers (auditors)",
        description:
          'Runs of portfolios outside the token’s are left out; a number with none left is not found. The HTML is a self-contained printable page.',
        params: e164Params,
        querystring: auditQuery,
        response: {
          200: {
            description: 'the timeline',
            content: {
              [timelineMediaTypes.json]: { schema: timelineAnswer },
              [timelineMediaTypes.markdown]: { schema: z.string().describe('a table per run') },
              [timelineMediaTypes.html]: { schema: z.string().describe('a printable page') },
            },
          },
          ...errors(400, 404),
        },
      },
    },
    async (request, reply) => {
      const timeline = await visibleTimeline(client, principalOf(request), request.params.e164);
      return sendTimeline(reply, timeline, timelineFormatOf(request, request.query.format));
    },
  );

  app.get(
    '/v1/portfolios/:portfolioId/export',
    {
      ...audit,
      schema: {
        ...audit.schema,
        summary: 'every journey run the portfolio started in a window, a row per timeline entry, streamed (auditors)',
        description:
          "Sent as the histories are read, in visibility's order (the dev server's: running runs first, then closed ones by close time, newest first); after a run's rows, a row of kind \"gap\" for each thing of it that could not be read. An error after the first row cuts the stream short (no clean end), so a partial export is never taken for a whole one. A window with nothing in it is an empty export (a portfolio whose workflow runs but no journey started yet too); a portfolio numberflow never knew is not found.",
        params: portfolioParams,
        querystring: exportQuery,
        response: {
          200: {
            description: 'the export, as an attachment',
            content: {
              [exportMediaTypes.ndjson]: { schema: exportRowAnswer.describe('one ExportRow per line') },
              [exportMediaTypes.csv]: { schema: z.string().describe('a header, then a record per row') },
            },
          },
          ...errors(400, 404),
        },
      },
    },
    async (request, reply) => {
      const { portfolioId } = request.params;
      ensureSees(principalOf(request), portfolioId, `no portfolio ${portfolioId}`);
      const { since, until, format } = request.query;
      const rows = exportPortfolio(client, {
        portfolioId,
        since,
        until,
        onGap: (gap) => request.log.warn({ portfolioId, gap }, 'export: could not read'),
      });
      // The first row is read before the answer starts, so Temporal being unreachable is still an error answer.
      const first = await rows.next();
      if (first.done && !(await portfolioKnown(client, portfolioId))) {
        throw new ApiError(404, 'not_found', `no portfolio ${portfolioId}: no journey was ever started in it`);
      }
      const fileName = `portfolio-${portfolioId}-${compact(since)}-${compact(until)}.${format}`;
      // The typed reply takes what the response schemas describe; Fastify sends a stream as it comes.
      const streamed: FastifyReply = reply;
      const lines = exportLines(resumed(first, rows), format);
      return streamed
        .type(`${exportMediaTypes[format]}; charset=utf-8`)
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(request.query.bom ? withByteOrderMark(lines) : lines));
    },
  );
}

/** 2026-01-01T00:00:00.000Z → 20260101T000000Z: a file name without colons. */
const compact = (time: Date) => time.toISOString().replace(/[-:]|\.\d{3}/g, '');
