// `npm run sandbox`: the Graph API sandbox on its own, with a demo portfolio, WABA and token to try it with curl.
import { join } from 'node:path';
import { z } from 'zod';
import '../zod-words.js'; // zod's words in numberflow's, as every entry point has them
import { withoutBlanks } from '../config.js';
import { createLogger } from '../logger.js';
import { listenNamed } from '../listen-named.js';
import { startSandbox } from './index.js';

const DEV_APP_SECRET = 'sandbox-dev-app-secret';

const envSchema = z.object({
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(8788),
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  SANDBOX_APP_SECRET: z.string().min(1).default(DEV_APP_SECRET),
  SANDBOX_WEBHOOK_URL: z.url().optional(),
  SANDBOX_SEED: z.coerce.number().int().optional(),
  // Its state (numbers, codes, tokens, clock, webhooks), encrypted, so that a restart is the same Meta: beside, never
  // in, the data folder's own sandbox state (npm start's).
  SANDBOX_STATE_DIR: z.string().min(1).optional(),
  NUMBERFLOW_DATA_DIR: z.string().min(1).default('.data'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});

const sandboxStateDir = (env: z.infer<typeof envSchema>) =>
  env.SANDBOX_STATE_DIR ?? join(env.NUMBERFLOW_DATA_DIR, 'sandbox');

async function main(): Promise<void> {
  const parsed = envSchema.safeParse(withoutBlanks(process.env)); // as the service reads its variables
  if (!parsed.success) {
    // Names the variable, never its value (the app secret is one of them).
    const problems = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    console.error(`invalid sandbox configuration:\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
    return;
  }
  const env = parsed.data;
  const logger = createLogger(env.LOG_LEVEL);
  const sandbox = await listenNamed({ host: 'SANDBOX_HOST', port: 'SANDBOX_PORT' }, () =>
    startSandbox({
      host: env.SANDBOX_HOST,
      port: env.SANDBOX_PORT,
      appSecret: env.SANDBOX_APP_SECRET,
      webhookUrl: env.SANDBOX_WEBHOOK_URL,
      seed: env.SANDBOX_SEED,
      stateDir: sandboxStateDir(env),
      logger,
      // As Meta retries for days: a service that was down a while gets its webhooks without a flush, as npm start's.
      webhookRetryGivenUpEveryMs: 60_000,
    }),
  );
  // Before the banner: a supervisor (or a test) may stop it as soon as it reads that it listens.
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'sandbox stopping');
    sandbox.close().then(
      () => logger.info('sandbox stopped'),
      (err: unknown) => {
        logger.error({ err }, 'sandbox did not stop cleanly');
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));

  // The same demo account again after a restart (its state kept): journeys on its WABA go on with its token.
  // A dev token for this local sandbox only: printing it is the point.
  const { portfolioId, wabaId, token } = sandbox.demoAccount();
  const secretNote = env.SANDBOX_APP_SECRET === DEV_APP_SECRET ? 'the dev default' : 'set';
  console.log(
    [
      `Graph API sandbox listening on ${sandbox.url} (any /vNN.N prefix, e.g. ${sandbox.url}/v23.0)`,
      `  portfolio id:   ${portfolioId}`,
      `  WABA id:        ${wabaId}`,
      `  access token:   ${token}`,
      `  app secret:     ${secretNote}`,
      `  state kept in:  ${sandboxStateDir(env)} (delete it for a new Meta)`,
      `  webhooks to:    ${env.SANDBOX_WEBHOOK_URL ?? '(none: PUT /_sandbox/webhook-url to set one)'}`,
      `Add a number:     curl -X POST '${sandbox.url}/v23.0/${wabaId}/phone_numbers' -H 'Authorization: Bearer ${token}' -d cc=1 -d phone_number=4155552671 -d verified_name='Acme'`,
      `Read the codes:   curl ${sandbox.url}/_sandbox/outbox`,
      `Other admin routes: see src/sandbox/http/routes-admin.ts`,
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error('sandbox failed to start:', err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
