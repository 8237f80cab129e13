// zod's default words in numberflow's: what every edge (the API, imports, batch rows, the configuration) answers.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import '../../src/zod-words.js';

const problems = (schema: z.ZodType, value: unknown) =>
  (schema.safeParse(value).error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`);

describe("zod's words, as numberflow says them", () => {
  const schema = z.object({
    identityCheck: z.boolean(),
    pageSize: z.coerce.number().int().min(1).max(500),
    note: z.string().max(500),
    method: z.enum(['SMS', 'VOICE']),
    rows: z.array(z.string()).min(1),
    name: z.string().min(1),
    displayNames: z.record(z.string().regex(/^\d+$/), z.string()),
  });

  it('says a number JSON writes too large to read (1e309, read as Infinity) is one', () => {
    expect(problems(z.object({ cap: z.number().int().max(100_000) }), JSON.parse('{"cap":1e309}'))).toEqual([
      'cap: must be a number, got one too large',
    ]);
  });

  it('names what a value must be, and what it was', () => {
    const long = 'x'.repeat(501);
    expect(
      problems(schema, {
        identityCheck: 'yes',
        pageSize: 'abc',
        note: long,
        method: 'FAX',
        rows: [],
        name: '',
        displayNames: { x: 'y' },
      }),
    ).toEqual([
      'identityCheck: must be true or false, got text',
      'pageSize: must be a number',
      'note: must be at most 500 characters',
      'method: must be one of SMS, VOICE',
      'rows: must have at least 1 item',
      'name: must not be empty',
      'displayNames.x: is not a valid key',
    ]);
    expect(
      problems(schema, {
        ...{ identityCheck: true, note: '', method: 'SMS', rows: ['a'], name: 'a', displayNames: {} },
        pageSize: 0,
      }),
    ).toEqual(['pageSize: must be at least 1']);
  });

  it('says a field left out is required, whatever its type', () => {
    expect(problems(schema, {})).toEqual([
      'identityCheck: is required',
      'pageSize: must be a number', // read from text: nothing reads as no number
      'note: is required',
      'method: is required',
      'rows: is required',
      'name: is required',
      'displayNames: is required',
    ]);
  });

  it('never says the value given: a code or a PIN sent as a number is not echoed', () => {
    const sent = z.object({ code: z.string(), count: z.number().int(), on: z.literal(true), label: z.string() });
    expect(problems(sent, { code: 123456, count: 1.5, on: false, label: true })).toEqual([
      'code: must be text, got a number',
      'count: must be a whole number',
      'on: must be true',
      'label: must be text, got a true/false value',
    ]);
  });

  it('says what a date, a time or a URL must look like, with an example', () => {
    const shaped = z.object({ at: z.iso.datetime(), on: z.iso.date(), url: z.url() });
    expect(problems(shaped, { at: 'yesterday', on: '31/01/2026', url: 'nope' })).toEqual([
      'at: must be an ISO 8601 date and time with its zone (Z or an offset), e.g. 2026-01-31T12:00:00Z or 2026-01-31T17:30:00+05:30',
      'on: must be an ISO 8601 date, e.g. 2026-01-31',
      'url: must be a URL, e.g. https://example.com/path',
    ]);
  });

  it("keeps a schema's own words", () => {
    expect(
      problems(z.object({ code: z.string().regex(/^\d{6}$/, 'the code must be 6 digits') }), { code: '1' }),
    ).toEqual(['code: the code must be 6 digits']);
  });
});
