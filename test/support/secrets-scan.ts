// Looking for secrets where they must not be: raw history bytes, the codec server's answers, log lines.
import { Client } from '@temporalio/client';
import type { TestEnv } from './temporal.js';

/**
 * The secrets of `secrets` that `text` holds. A 6-digit code or PIN counts only standing alone (not inside a
 * longer number such as a timestamp or a phone number); longer secrets (tokens) count anywhere, also base64'd.
 */
export function leaked(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((secret) => {
    const forms = [secret, Buffer.from(secret).toString('base64')];
    if (/^\d+$/.test(secret)) return new RegExp(`(?<![0-9])${secret}(?![0-9])`).test(text) || text.includes(forms[1]!);
    return forms.some((form) => text.includes(form));
  });
}

/** A client of the test server with no codec at all: it sees histories as Temporal stores them. */
export function rawClient(env: TestEnv): Client {
  return new Client({ connection: env.client.connection, namespace: env.client.options.namespace });
}
