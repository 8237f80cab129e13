// Builds the HTTP service, listens, and says where everything is: shared by `npm start` and `npm run service`.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { buildHttpApp, type HttpAppOptions } from './app.js';
import { listenNamed } from '../listen-named.js';
import { trustsLoopback } from './codec-setup.js';

export async function serveHttp(
  config: Config,
  options: HttpAppOptions,
): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildHttpApp(options);
  try {
    const url = await listenNamed({ host: 'HTTP_HOST', port: 'HTTP_PORT' }, () =>
      app.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT }),
    );
    logWhere(options.logger, url, config, options);
    return { app, url };
  } catch (err) {
    await app.close();
    throw err;
  }
}

function logWhere(logger: Logger, url: string, config: Config, options: HttpAppOptions): void {
  const parts = [
    ...(options.console ? [`operator console at ${url}/`] : []),
    `API at ${url}/v1 (reference ${url}/docs)`,
    `Meta webhooks at ${url}/webhooks/meta`,
  ];
  if (options.codec) {
    parts.push(
      `codec server at ${url}/codec` +
        (trustsLoopback(config) ? ' (trusts callers on this machine without a token)' : ''),
    );
  }
  if (options.metrics) parts.push(`metrics at ${url}/metrics`);
  if (options.trustedProxies?.length) parts.push(`X-Forwarded-For believed from ${options.trustedProxies.join(', ')}`);
  logger.info(`HTTP service on ${url}: ${parts.join(', ')}`);
}
