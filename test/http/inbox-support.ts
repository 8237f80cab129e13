// Shared by the webhook inbox's drain tests: inbox files in a folder of their own, a bounded wait, signals that fail
// as Temporal or Graph would, and a client whose signals go through a test's interceptor.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import type { Harness } from '../support/harness.js';

/** A new inbox file per call, in one folder removed by `remove`. */
export function inboxFiles(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), `numberflow-${prefix}-`));
  let files = 0;
  return {
    dir,
    next: () => join(dir, `inbox-${files++}.sqlite`),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Waits (at most 30 s) until `check` holds. */
export async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`waited too long for ${what}`);
}

/** A signal failing as when Temporal cannot be reached: the whole drain backs off. */
export const unavailable = () => Promise.reject(new Error('14 UNAVAILABLE: Temporal cannot be reached (injected)'));
/** A signal failing otherwise (Graph will not give a WABA's owner, say): only its numbers' (or WABA's) deliveries wait. */
export const refused = () => Promise.reject(new Error('the portfolio cannot be found (injected)'));

/** A client of the harness's server whose signals go through `signal` (and whatever else `others` intercepts). */
export function clientWith(
  harness: Harness,
  signal: NonNullable<WorkflowClientInterceptor['signal']>,
  others: Omit<WorkflowClientInterceptor, 'signal'> = {},
): Client {
  const { client } = harness.env;
  return new Client({
    connection: client.connection,
    namespace: client.options.namespace,
    dataConverter: client.options.dataConverter,
    interceptors: { workflow: [{ ...others, signal }] },
  });
}
