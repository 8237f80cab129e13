// The Graph client the worker uses, from the configuration (or pointed at the sandbox by `npm start`).
import type { Config } from '../config.js';
import { GraphClient } from './client.js';
import { staticTokenProvider, type TokenProvider } from './tokens.js';
import type { GraphCallObserver } from './transport.js';

export function graphClientFromConfig(
  config: Config,
  override: { baseUrl?: string; token?: string; tokens?: TokenProvider; observe?: GraphCallObserver } = {},
): GraphClient {
  const token = override.token ?? config.META_ACCESS_TOKEN;
  if (!override.tokens && !token) {
    throw new Error('META_ACCESS_TOKEN is not set: a worker needs a system-user token to call the Graph API');
  }
  return new GraphClient({
    baseUrl: override.baseUrl ?? config.GRAPH_BASE_URL,
    apiVersion: config.GRAPH_API_VERSION,
    tokens: override.tokens ?? staticTokenProvider(token ?? ''),
    appId: config.META_APP_ID,
    appSecret: config.META_APP_SECRET,
    connectTimeoutMs: config.GRAPH_CONNECT_TIMEOUT_MS,
    requestTimeoutMs: config.GRAPH_REQUEST_TIMEOUT_MS,
    observe: override.observe,
  });
}
