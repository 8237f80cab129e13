// How the command line reaches numberflow, decided in one place: through the HTTP API when NUMBERFLOW_URL and
// NUMBERFLOW_TOKEN are both set (an operator then needs neither Temporal access nor payload keys), directly through
// Temporal with the payload keys when neither is (the local default). The token is never printed.
import { z } from 'zod';
import type { NumberflowApi } from './api-client.js';
import { CliExit } from './failure.js';

export type ApiMode = { kind: 'api'; url: URL; token: string };
export type CliMode = ApiMode | { kind: 'direct' };

export class CliModeError extends Error {
  override readonly name = 'CliModeError';
}

const apiUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, e.g. http://127.0.0.1:8080' })
  .transform((value) => new URL(value));

// A bearer token is one header value: no spaces or control characters.
const apiToken = z.string().regex(/^[\x21-\x7e]{1,512}$/, 'must be one bearer token (printable, no spaces)');

export function selectMode(env: Record<string, string | undefined>): CliMode {
  const url = env.NUMBERFLOW_URL?.trim() || undefined;
  const token = env.NUMBERFLOW_TOKEN?.trim() || undefined;
  if (!url && !token) return { kind: 'direct' };
  if (!token) {
    throw new CliModeError(
      'NUMBERFLOW_URL is set but NUMBERFLOW_TOKEN is not: set both to use the HTTP API (ask an admin for a token), or neither to use Temporal directly',
    );
  }
  if (!url) {
    throw new CliModeError(
      'NUMBERFLOW_TOKEN is set but NUMBERFLOW_URL is not: set both to use the HTTP API (e.g. NUMBERFLOW_URL=http://127.0.0.1:8080), or neither to use Temporal directly',
    );
  }
  const parsedUrl = apiUrl.safeParse(url);
  if (!parsedUrl.success) {
    throw new CliModeError(`NUMBERFLOW_URL: ${parsedUrl.error.issues[0]?.message} (got "${url}")`);
  }
  // The token's value never appears in a message.
  const parsedToken = apiToken.safeParse(token);
  if (!parsedToken.success) throw new CliModeError(`NUMBERFLOW_TOKEN: ${parsedToken.error.issues[0]?.message}`);
  return { kind: 'api', url: parsedUrl.data, token: parsedToken.data };
}

/** Runs `work` with a client of the API `mode` names, closed after it; the client's module loads only when used. */
export async function usingApi<T>(mode: ApiMode, work: (api: NumberflowApi) => Promise<T>): Promise<T> {
  const api = new (await import('./api-client.js')).NumberflowApi(mode.url, mode.token);
  try {
    return await work(api);
  } finally {
    await api.close();
  }
}

/**
 * Refuses a command of this machine's data folder (its token store, its API token file) run with NUMBERFLOW_URL and
 * NUMBERFLOW_TOKEN set: the operator meant the service's, which never reads what it would write or read here.
 */
export function refuseApiMode(env: Record<string, string | undefined>, what: string, instead = ''): void {
  if (selectMode(env).kind !== 'api') return;
  throw new CliExit(
    1,
    `${what} works in direct mode only, on the machine with the service's data folder: unset NUMBERFLOW_URL and NUMBERFLOW_TOKEN to run it there${instead}`,
  );
}
