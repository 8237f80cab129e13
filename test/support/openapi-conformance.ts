// Answers checked against the service's own OpenAPI document, as a client generated from it would check them: the
// operation found by method and path template, the schema of the answer's status (or its 4XX/default) under
// application/json, validated with Ajv (JSON Schema 2020-12, OpenAPI 3.1's). A documented route answering a status
// the document does not list, a content type it does not list for that status, or a body its schema refuses, is a
// mismatch. test/api/support.ts checks every answer its `api.call` reads; the streamed answers some tests read by
// fetch (the event stream, the export) are not checked here.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>>;
}

const pointer = (...segments: string[]) =>
  segments.map((s) => encodeURIComponent(s.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/');

export class OpenApiConformance {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  private readonly routes: { method: string; template: string; pattern: RegExp }[] = [];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenApiDocument) {
    addFormats.default(this.ajv);
    this.ajv.addSchema({ ...document, $id: 'openapi.json' });
    for (const [template, methods] of Object.entries(document.paths)) {
      const source = template.replace(/[.*+?^$()|[\]\\:]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
      for (const method of Object.keys(methods))
        this.routes.push({ method: method.toUpperCase(), template, pattern: new RegExp(`^${source}$`) });
    }
    // A literal segment before a parameter at the same place (/v1/journeys/summary before /v1/journeys/{e164}).
    const shape = (template: string) => template.split('/').map((s) => (s.startsWith('{') ? '1' : '0'));
    this.routes.sort((a, b) => shape(a.template).join('').localeCompare(shape(b.template).join('')));
  }

  /**
   * What is wrong with an answer to `method path` (its query left out), or null. A /v1 route the document does not
   * have is wrong, but for a 404 or 405 (a path or a method no route serves); another route (the console) is not
   * the document's.
   */
  mismatch(method: string, path: string, status: number, contentType: string | null, body: unknown): string | null {
    const bare = path.split('?')[0] ?? path;
    const route = this.routes.find((r) => r.method === method.toUpperCase() && r.pattern.test(bare));
    if (!route) {
      const served = bare.startsWith('/v1/') && status !== 404 && status !== 405;
      return served ? `${method} ${bare} answered ${status}, and the document has no such operation` : null;
    }
    const responses = this.document.paths[route.template]?.[method.toLowerCase()]?.responses ?? {};
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => k in responses);
    const where = `${method} ${route.template} answered ${status}`;
    if (key === undefined) return `${where}, a status the document does not list`;
    const documented = Object.keys(responses[key]?.content ?? {});
    const given = contentType?.split(';')[0]?.trim().toLowerCase();
    if (given && documented.length > 0 && !documented.includes(given))
      return `${where} with ${given}, where the document says ${documented.join(' or ')}`;
    if (given !== 'application/json') return null;
    if (!documented.includes('application/json')) return `${where} with JSON the document does not describe`;
    const ref = `openapi.json#/${pointer('paths', route.template, method.toLowerCase(), 'responses', key, 'content', 'application/json', 'schema')}`;
    let validate = this.compiled.get(ref);
    if (!validate) {
      validate = this.ajv.getSchema(ref);
      if (!validate) return `${where}: no schema at ${ref}`;
      this.compiled.set(ref, validate);
    }
    if (validate(body)) return null;
    const problems = (validate.errors ?? [])
      .slice(0, 5)
      .map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message}`);
    return `${where} with a body its schema refuses: ${problems.join('; ')}`;
  }
}
