// Assertions on what a failed Graph call hands to numberflow: a GraphError typed and classified from Meta's answer,
// naming the endpoint by its template, and no secret anywhere in the error's text, stack or JSON.
import { inspect } from 'node:util';
import { expect } from 'vitest';
import { classifyGraphFailure, GraphError, type GraphErrorClass } from '../../src/graph/index.js';

export interface ExpectedGraphError {
  code: number;
  subcode?: number;
  httpStatus: number;
  errorClass: GraphErrorClass;
  /** Only rate limits carry a wait; every other class must leave it undefined. */
  retryAfterMs?: number;
  /** The template, e.g. "POST /{phone-number-id}/register": never an id or a query. */
  endpoint: string;
}

export function expectGraphError(err: unknown, expected: ExpectedGraphError): GraphError {
  expect(err).toBeInstanceOf(GraphError);
  const error = err as GraphError;
  expect({
    code: error.code,
    httpStatus: error.httpStatus,
    errorClass: error.errorClass,
    retryAfterMs: error.retryAfterMs,
    endpoint: error.endpoint,
    ...(expected.subcode === undefined ? {} : { subcode: error.subcode }),
  }).toEqual({ retryAfterMs: undefined, ...expected });
  expect(error.endpoint).not.toMatch(/\d|\?/);
  expect(error.remediation.trim()).not.toBe('');
  expect(error.fbtraceId).toMatch(/^\S+$/);
  expect(error.message).toContain(`Meta error ${expected.code}`);
  expect(classifyGraphFailure(error)).toMatchObject({ errorClass: expected.errorClass, code: expected.code });
  return error;
}

/** Every form an error is seen in: its text, stack, JSON, inspection (with causes), summary and classification. */
function renderings(err: unknown): string[] {
  const seen = [String(err), inspect(err, { depth: 8, showHidden: true }), JSON.stringify(classifyGraphFailure(err))];
  if (err instanceof Error) seen.push(err.stack ?? '', JSON.stringify(err));
  if (err instanceof GraphError) seen.push(JSON.stringify(err.toSummary()));
  return seen;
}

/** A numeric secret (PIN, OTP) counts only standing alone, so a 15-digit Graph id holding its digits is no leak. */
function contains(text: string, secret: string): boolean {
  return /^\d+$/.test(secret) ? new RegExp(`(?<!\\d)${secret}(?!\\d)`).test(text) : text.includes(secret);
}

export function expectNoSecrets(err: unknown, secrets: Iterable<string>): void {
  const forms = renderings(err);
  for (const secret of secrets) {
    const leak = forms.findIndex((form) => contains(form, secret));
    // Say where it leaked without printing the secret into the test output.
    if (leak >= 0) {
      expect.fail(`a ${err instanceof Error ? err.name : typeof err} carries a secret in rendering #${leak}`);
    }
  }
}
