// zod's default words ("Invalid input: expected boolean, received string", "Too small: expected number to be >=1")
// in the words numberflow's edges use ("must be true or false, got text", "must be at least 1"): installed once, for
// every schema of the process that leaves its own words out. A schema's own message still wins.
import { z } from 'zod';
import { plural } from './domain/words.js';

type Issue = Parameters<z.core.$ZodErrorMap>[0];

const kinds: Record<string, string> = {
  boolean: 'true or false',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  string: 'text',
  array: 'a list',
  object: 'an object',
  record: 'an object',
  date: 'a date',
};

/** What a value was, by its kind only: never the value (a code or a PIN sent as a number would come back). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'boolean') return 'a true/false value';
  return kinds[typeof value] ?? typeof value;
}

/** String formats, in words with an example (a pattern of the schema's own says its own words). */
const formats: Record<string, string> = {
  datetime:
    'must be an ISO 8601 date and time with its zone (Z or an offset), e.g. 2026-01-31T12:00:00Z or 2026-01-31T17:30:00+05:30',
  date: 'must be an ISO 8601 date, e.g. 2026-01-31',
  url: 'must be a URL, e.g. https://example.com/path',
  email: 'must be an email address',
  base64: 'must be base64',
  regex: 'is not in the form expected',
};

/** The words for an issue, or undefined to keep zod's. */
export function wordsOf(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if (!('input' in issue) || issue.input === undefined) return 'is required';
      const expected = kinds[String(issue.expected)] ?? String(issue.expected);
      // A number read from text that is none (a query's pageSize=abc) comes as NaN, its text gone.
      if ((issue as { received?: unknown }).received === 'NaN') return `must be ${expected}`;
      if (typeof issue.input === 'number' && issue.expected === 'int') return 'must be a whole number'; // 1.5
      // 1e309 is read as Infinity: a number JSON can write, but none zod takes.
      if (typeof issue.input === 'number' && !Number.isFinite(issue.input))
        return `must be ${expected}, got one too large`;
      return `must be ${expected}, got ${kindOf(issue.input)}`;
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = small ? issue.minimum : issue.maximum;
      const inclusive = issue.inclusive !== false;
      const most = small ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
      if (issue.origin === 'string') {
        return small && bound === 1 && inclusive
          ? 'must not be empty'
          : `must be ${most} ${plural(bound, 'character')}`;
      }
      if (issue.origin === 'array' || issue.origin === 'set') return `must have ${most} ${plural(bound, 'item')}`;
      return `must be ${most} ${String(bound)}`;
    }
    case 'invalid_value':
      if (!('input' in issue) || issue.input === undefined) return 'is required';
      if (issue.values.length === 1) return `must be ${String(issue.values[0])}`;
      return issue.values.length > 0 ? `must be one of ${issue.values.map(String).join(', ')}` : undefined;
    case 'invalid_key':
      return 'is not a valid key';
    case 'invalid_format':
      return formats[issue.format] ?? `is not a valid ${issue.format}`;
    default:
      return undefined;
  }
}

z.config({ customError: wordsOf });
