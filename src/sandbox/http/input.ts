// Request input: Graph reads the query string, form fields and a JSON body alike (docs/meta-graph-api.md#transport), so the sandbox
// merges them and validates the result with zod. A bad value is Meta's 100 naming the parameter, never a 500.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { invalidParameter } from '../graph-error.js';

export type Params = Record<string, unknown>;

/** Query values first, body values over them; a repeated query key keeps its first value. */
export function mergeParams(query: unknown, body: unknown): Params {
  const merged: Params = {};
  if (query && typeof query === 'object') {
    for (const [key, value] of Object.entries(query)) merged[key] = Array.isArray(value) ? value[0] : value;
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) Object.assign(merged, body);
  return merged;
}

export function parseInput<S extends z.ZodType>(schema: S, params: Params): z.output<S> {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = issue?.path.map(String).join('.') || 'body';
  const given = issue?.path.reduce<unknown>(
    (value, key) => (value && typeof value === 'object' ? (value as Params)[String(key)] : undefined),
    params,
  );
  if (given === undefined) throw invalidParameter(`The parameter ${name} is required`);
  throw invalidParameter(`Param ${name} is invalid: ${issue?.message ?? 'unexpected value'}`);
}

/** Graph ids, counts and codes arrive as strings in a query or form and as numbers in JSON. */
export const text = z.union([z.string(), z.number()]).transform(String);
export const nonEmptyText = text.pipe(z.string().trim().min(1, 'must not be empty'));
export const sixDigits = (what: string) => text.pipe(z.string().regex(/^\d{6}$/, `${what} must be 6 digits`));
export const boolish = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

/** An object parameter, sent as JSON or as a JSON-encoded string in a query or form field. */
export function jsonParam<S extends z.ZodType>(schema: S) {
  return z.preprocess((value) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }, schema);
}

function parseJsonBody(raw: string): Params {
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidParameter('The request body is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidParameter('The request body must be a JSON object');
  }
  return parsed as Params;
}

function parseFormBody(raw: string): Params {
  return Object.fromEntries(new URLSearchParams(raw));
}

/** The platform's Request parses multipart/form-data (curl -F) without another dependency. */
async function parseMultipart(contentType: string, body: Buffer): Promise<Params> {
  const request = new Request('http://sandbox.invalid/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  const form = await request.formData();
  return Object.fromEntries([...form.entries()].map(([key, value]) => [key, String(value)]));
}

/** JSON, urlencoded and multipart (curl -F, as in Meta's request_code examples) bodies all become params. */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(String(body)));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, parseFormBody(String(body)));
  });
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (req, body, done) => {
    parseMultipart(String(req.headers['content-type']), body as Buffer).then(
      (params) => done(null, params),
      () => done(invalidParameter('The multipart body could not be read'), undefined),
    );
  });
  // Anything else: JSON if it looks like JSON, otherwise form fields (curl -d without a content type).
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const raw = String(body);
    try {
      done(null, raw.trimStart().startsWith('{') ? parseJsonBody(raw) : parseFormBody(raw));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
