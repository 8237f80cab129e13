// What the OpenAPI document says beyond the routes' zod schemas: bodies a route may go without, and the headers
// its answers carry (a client generated from the document reads a created journey's Location from here).
import { z } from 'zod';

const OPTIONAL_BODY = 'x-numberflow-body-optional';
/** The roles an operation allows (context.ts secured), kept in the document and said in its description. */
export const ROLES = 'x-roles';

interface Header {
  description: string;
  schema: { type: 'string'; const?: string };
}
interface Answer {
  headers?: Record<string, Header>;
}
interface Operation {
  [OPTIONAL_BODY]?: boolean;
  [ROLES]?: string[];
  description?: string;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: BodySchema }> };
  responses?: Record<string, Answer>;
}

const noStore: Record<string, Header> = {
  'Cache-Control': {
    description: 'no-store: not kept by a browser or a proxy',
    schema: { type: 'string', const: 'no-store' },
  },
};

/** Headers every answer of a status carries, whatever the operation. */
const byStatus: Record<string, Record<string, Header>> = {
  '201': { Location: { description: "the created journey's URL", schema: { type: 'string' } } },
  '401': { 'WWW-Authenticate': { description: 'Bearer realm="numberflow"', schema: { type: 'string' } } },
  '405': { Allow: { description: 'the methods the path takes', schema: { type: 'string' } } },
};

/** Headers of one operation's 200, by "METHOD path" as the document writes it. */
const byOperation: Record<string, Record<string, Header>> = {
  'POST /v1/journeys/{e164}/pin-reveal': noStore,
  'GET /v1/journeys/{e164}/audit': {
    ...noStore,
    'Content-Security-Policy': {
      description: 'the printable page (format=html) runs no script',
      schema: { type: 'string' },
    },
  },
  'GET /v1/portfolios/{portfolioId}/export': {
    ...noStore,
    'Content-Disposition': {
      description:
        'attachment; filename="portfolio-<id>-<since>-<until>.<format>", the times as UTC instants to the second (YYYYMMDDTHHMMSSZ), until the request\'s moment when not given',
      schema: { type: 'string' },
    },
  },
};

interface BodySchema {
  properties?: Record<string, { items?: object }>;
}

/**
 * A batch's rows are each a StartJourney body: said so, though the route takes any row and answers a bad one by its
 * index (a schema on the rows would refuse the whole request for one).
 */
function batchRowsAreStarts(operation: Operation | undefined, schemas: Record<string, unknown>): void {
  const rows = operation?.requestBody?.content?.['application/json']?.schema?.properties?.rows;
  if (rows?.items && START_JOURNEY in schemas)
    rows.items = { ...rows.items, $ref: `#/components/schemas/${START_JOURNEY}` };
}

/** The start's body as the document names it (zod's input side of the StartJourney schema). */
const START_JOURNEY = 'StartJourneyInput';

/** A route's zod body that takes a request sending none (a nullish body): the one rule of both its uses. */
export function bodyMayBeLeftOut(body: z.ZodType): boolean {
  return body.safeParse(undefined).success;
}

/** Marks a route whose body may be left out (a nullish zod body): the document would say it is required. */
export function withBodyOptional<T extends { schema?: object }>(transformed: T, body: unknown): T {
  if (!transformed.schema || !(body instanceof z.ZodType) || !bodyMayBeLeftOut(body)) return transformed;
  return { ...transformed, schema: { ...transformed.schema, [OPTIONAL_BODY]: true } };
}

/** The document with optional bodies said so, and the answers' headers. */
export function documented<Document extends object>(document: Document): Document {
  const { paths = {}, components } = document as {
    paths?: Record<string, Record<string, Operation>>;
    components?: { schemas?: Record<string, unknown> };
  };
  batchRowsAreStarts(paths['/v1/journeys:batch']?.post, components?.schemas ?? {});
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (operation[OPTIONAL_BODY]) {
        delete operation[OPTIONAL_BODY];
        if (operation.requestBody) operation.requestBody.required = false;
      }
      const roles = operation[ROLES];
      if (roles) {
        const said = `Roles: ${roles.join(', ')}.`;
        operation.description = operation.description ? `${operation.description} ${said}` : said;
      }
      const responses = operation.responses ?? {};
      for (const [status, headers] of Object.entries(byStatus)) addHeaders(responses[status], headers);
      addHeaders(responses['200'], byOperation[`${method.toUpperCase()} ${path}`]);
    }
  }
  return document;
}

function addHeaders(answer: Answer | undefined, headers: Record<string, Header> | undefined): void {
  if (answer && headers) answer.headers = { ...answer.headers, ...headers };
}
