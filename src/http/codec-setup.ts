// How `npm start` sets up the codec server: where the embedded Web UI finds it, and whom it trusts. A fleet's
// bearer-token check (the API's principals) is injected in place of the loopback trust.
import { isIPv6 } from 'node:net';
import type { CodecKeys } from '../codec/aes-gcm-codec.js';
import type { SecretsKeyring } from '../codec/sealing.js';
import { codecCorsOrigins, isLoopback, type Config } from '../config.js';
import { trustLoopbackCallers, type CodecRoutesOptions } from './codec-routes.js';

/**
 * The codec server's address for the embedded Web UI: the HTTP service as the browser on this machine reaches it.
 * Unknown (so left out) when the HTTP port is chosen at listen time.
 */
export function embeddedCodecEndpoint(config: Config): string | undefined {
  if (config.HTTP_PORT === 0) return undefined;
  const host = ['0.0.0.0', '::'].includes(config.HTTP_HOST) ? '127.0.0.1' : config.HTTP_HOST;
  return `http://${isIPv6(host) ? `[${host}]` : host}:${config.HTTP_PORT}/codec`;
}

/**
 * The embedded default trusts callers on this machine: the service listens on loopback only and the dev server is
 * its own. Joined to a cluster, or listening beyond loopback, every caller needs a token (the API's principals).
 */
export function trustsLoopback(config: Config): boolean {
  return !config.TEMPORAL_ADDRESS && isLoopback(config.HTTP_HOST);
}

export function codecServerOptions(config: Config, codecKeys: CodecKeys, secrets: SecretsKeyring): CodecRoutesOptions {
  return {
    codecKeys,
    secrets,
    namespace: config.TEMPORAL_NAMESPACE,
    corsOrigins: codecCorsOrigins(config),
    authorize: trustsLoopback(config) ? trustLoopbackCallers : () => 'unauthorized',
  };
}
