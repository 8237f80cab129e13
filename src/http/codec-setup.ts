// How the service sets up the codec server: where the embedded Web UI finds it, and whom it trusts — the API's
// principals by bearer token, and in the embedded default also callers on this machine.
import { isIPv6 } from 'node:net';
import type { CodecKeys } from '../codec/aes-gcm-codec.js';
import type { SecretsKeyring } from '../codec/sealing.js';
import { codecCorsOrigins, isLoopback, trustedProxies, type Config } from '../config.js';
import type { FastifyRequest } from 'fastify';
import type { PrincipalDirectory } from './auth/directory.js';
import { bearerTokenOf } from './auth/hooks.js';
import {
  codecAuthorizationFor,
  trustLoopbackCallers,
  type CodecAuthorization,
  type CodecRoutesOptions,
} from './codec-routes.js';

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
 * its own. Joined to a cluster, listening beyond loopback, or behind a proxy it was told of (HTTP_TRUSTED_PROXIES:
 * one that adds no forwarding header would pass anyone's request on as its own), every caller needs a token (the
 * API's principals).
 */
export function trustsLoopback(config: Config): boolean {
  return !config.TEMPORAL_ADDRESS && isLoopback(config.HTTP_HOST) && trustedProxies(config).length === 0;
}

/**
 * Who may decode: a bearer token of the API's principals with an auditor, operator or admin role; and, in the
 * embedded default, any caller on this machine that sends no token (the Web UI of `npm start` sends none).
 */
export function codecServerOptions(
  config: Config,
  codecKeys: CodecKeys,
  secrets: SecretsKeyring,
  principals?: PrincipalDirectory,
): CodecRoutesOptions {
  const byToken = (request: FastifyRequest): CodecAuthorization => {
    const token = bearerTokenOf(request);
    if (token === null || !principals) return 'unauthorized';
    const principal = principals.identify(token);
    if (principal) request.principal = principal; // named on the request's line, as the API's callers are
    return codecAuthorizationFor(principal?.roles);
  };
  const loopback = trustsLoopback(config);
  return {
    codecKeys,
    secrets,
    namespace: config.TEMPORAL_NAMESPACE,
    corsOrigins: codecCorsOrigins(config),
    // A caller who sends credentials is judged by them: an unknown or malformed token is refused even on this machine
    // (unless a console session cookie of a reader comes with it: app.ts).
    authorize: (request) =>
      loopback && request.headers.authorization === undefined ? trustLoopbackCallers(request) : byToken(request),
  };
}
