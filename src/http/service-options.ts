// What the HTTP service needs beyond its clients, the same for `npm start` and `npm run service`: who may call
// (the API's principals, also the console's and the codec server's), the list page tokens' key, the console's
// secret, the codec server, the webhook inbox's file, where portfolios run, and the proxies believed. Built once here so the two entry points cannot drift apart.
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { CodecKeys } from '../codec/aes-gcm-codec.js';
import type { SecretsKeyring } from '../codec/sealing.js';
import { portfolioTaskQueue, trustedProxies, type Config } from '../config.js';
import { localSecret } from '../local-secret.js';
import type { Logger } from '../logger.js';
import { PageTokens } from './api/page-token.js';
import type { HttpAppOptions } from './app.js';
import { loadPrincipals } from './auth/setup.js';
import { codecServerOptions } from './codec-setup.js';

export type ServiceOptions = Pick<
  HttpAppOptions,
  'principals' | 'pageTokens' | 'console' | 'codec' | 'webhookInbox' | 'portfolioTaskQueue' | 'trustedProxies'
>;

/** Throws on a malformed token file, naming it: call it first, before anything is started. */
export function serviceOptions(
  config: Config,
  logger: Logger,
  keys: { codec: CodecKeys; secrets: SecretsKeyring },
): ServiceOptions {
  const principals = loadPrincipals(config, logger);
  return {
    principals,
    pageTokens: PageTokens.derivedFrom(keys.codec.keys.get(keys.codec.activeKeyId) ?? Buffer.alloc(0)),
    console: { secret: config.NUMBERFLOW_CONSOLE_SECRET ?? localSecret(config.NUMBERFLOW_DATA_DIR, 'console-secret') },
    codec: codecServerOptions(config, keys.codec, keys.secrets, principals),
    // Each service process needs a data folder of its own: the inbox is drained by the process that keeps it.
    webhookInbox: {
      file: join(config.NUMBERFLOW_DATA_DIR, 'webhook-inbox.sqlite'),
      // What an admin addresses to reach this inbox's dead letters: a fleet's replicas differ by host, or by port.
      replica: `${hostname()}:${config.HTTP_PORT}`,
      deadLetterDays: config.WEBHOOK_DEAD_LETTER_DAYS,
    },
    portfolioTaskQueue: portfolioTaskQueue(config),
    trustedProxies: trustedProxies(config),
  };
}
