// The Graph client of a process, from the configuration: Meta's Graph API, or — with neither a system-user token
// nor an app configured — the Graph API sandbox that `npm start` runs, with its app id and the data folder's secret.
import { META_GRAPH_URL, usesSandbox, type Config } from '../config.js';
import { localSecret } from '../local-secret.js';
import { GraphClient } from './client.js';
import type { TokenProvider } from './tokens.js';
import type { GraphCallObserver } from './transport.js';

/** The app id `npm start` gives its sandbox, so the CLI can exchange the sandbox's Embedded Signup codes. */
export const SANDBOX_APP_ID = '1234567890';

/** The app secret: Meta's, or the one the sandbox signs its webhooks with (made once in the data folder). */
export function appSecretOf(config: Config): string {
  return config.META_APP_SECRET ?? localSecret(config.NUMBERFLOW_DATA_DIR, 'sandbox-app-secret');
}

/**
 * The sandbox a process without Meta's credentials calls: GRAPH_BASE_URL when it names one (not Meta's own), else
 * SANDBOX_PORT on loopback — GRAPH_BASE_URL was ignored, and a fleet's worker given it called loopback.
 */
export function sandboxAddress(config: Pick<Config, 'GRAPH_BASE_URL' | 'SANDBOX_PORT'>): string {
  // Any of Meta's own hosts is Meta, however written: a process without Meta's credentials never calls it.
  const host = new URL(config.GRAPH_BASE_URL).hostname;
  const meta = host === new URL(META_GRAPH_URL).hostname || host.endsWith('.facebook.com');
  return meta ? `http://127.0.0.1:${config.SANDBOX_PORT}` : config.GRAPH_BASE_URL;
}

/**
 * `sandboxUrl`: where the sandbox listens when it is not SANDBOX_PORT on loopback (npm start's own); `observe`: told
 * of every call (the metrics).
 */
export function graphClientFromConfig(
  config: Config,
  tokens: TokenProvider,
  { sandboxUrl, observe }: { sandboxUrl?: string; observe?: GraphCallObserver } = {},
): GraphClient {
  const sandbox = usesSandbox(config);
  return new GraphClient({
    baseUrl: sandbox ? (sandboxUrl ?? sandboxAddress(config)) : config.GRAPH_BASE_URL,
    apiVersion: config.GRAPH_API_VERSION,
    tokens,
    appId: sandbox ? SANDBOX_APP_ID : config.META_APP_ID,
    appSecret: sandbox ? appSecretOf(config) : config.META_APP_SECRET,
    connectTimeoutMs: config.GRAPH_CONNECT_TIMEOUT_MS,
    requestTimeoutMs: config.GRAPH_REQUEST_TIMEOUT_MS,
    observe,
  });
}
