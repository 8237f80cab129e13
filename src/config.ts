// The environment, validated once at start-up: a bad value names the variable and what is wrong with it.
import { isIP, isIPv4 } from 'node:net';
import { z } from 'zod';
import './zod-words.js'; // zod's words in numberflow's, for every schema of the process

/** Meta's Graph API: GRAPH_BASE_URL's default. */
export const META_GRAPH_URL = 'https://graph.facebook.com';

/** Days the webhook inbox keeps a dead letter by default (WEBHOOK_DEAD_LETTER_DAYS). */
export const DEAD_LETTER_DAYS = 30;
const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().min(1);
const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const portIn = (text: string) => Number(text) >= 1 && Number(text) <= 65535;

const configSchema = z
  .object({
    TEMPORAL_ADDRESS: optionalText.pipe(
      z
        .string()
        .regex(/^(\[[\da-fA-F:.]+\]|[^\s:[\]]+):\d+$/, 'must be host:port, e.g. 127.0.0.1:7233 ([::1]:7233 for IPv6)')
        .refine(
          (address) => !/:\d+$/.test(address) || portIn(address.slice(address.lastIndexOf(':') + 1)),
          'its port must be 1 to 65535',
        )
        .optional(),
    ),
    TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default('numberflow'),
    /** The portfolios' own task queue (default: TEMPORAL_TASK_QUEUE's name + "-portfolios"); see portfolioTaskQueue. */
    TEMPORAL_PORTFOLIO_TASK_QUEUE: optionalText,
    TEMPORAL_TLS_CERT: optionalText,
    TEMPORAL_TLS_KEY: optionalText,
    TEMPORAL_TLS_CA: optionalText,
    TEMPORAL_TLS_SERVER_NAME: optionalText,
    TEMPORAL_API_KEY: optionalText,
    TEMPORAL_CLI_PATH: optionalText,
    TEMPORAL_TEST_SERVER_PATH: optionalText,
    TEMPORAL_DEV_PORT: port.default(7233),
    TEMPORAL_UI_PORT: port.default(8233),
    NUMBERFLOW_DATA_DIR: z.string().min(1).default('.data'),
    /** The API's principals and token hashes; unset: <data dir>/api-tokens.json, made on the first start. */
    NUMBERFLOW_API_TOKENS_FILE: optionalText,
    /** Signs the console's session cookies; unset: <data dir>/console-secret, made on the first start. */
    NUMBERFLOW_CONSOLE_SECRET: optionalText.pipe(
      z.string().min(32, 'must be at least 32 characters, e.g. from: openssl rand -base64 32').optional(),
    ),
    WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt.default(20),
    /** The slot request and the add run as local activities, inside the journey's workflow task. */
    WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: positiveInt.default(20),
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInt.default(10),
    /**
     * Journeys (and portfolios) kept in memory between their tasks, about 0.4 MB each (bench/parked.ts): 100 keeps
     * a worker alone under 400 MB with 10,000 parked, under the image's memory settings (Dockerfile, worker stage),
     * and holds a burst of 50 journeys at work with their portfolios; one evicted replays its history at its next
     * task.
     */
    WORKER_MAX_CACHED_WORKFLOWS: positiveInt.default(100),
    WORKER_SHUTDOWN_GRACE: z
      .string()
      .regex(/^\d+(ms|s|m)$/, 'must be a duration like 10s')
      .default('10s'),
    /**
     * A worker the server has seen no poll from for this long is stuck (src/temporal/stuck-worker.ts) and stops, to be
     * restarted; 0 turns the check off.
     */
    WORKER_STUCK_AFTER: z
      .string()
      .regex(/^(0|\d+(ms|s|m))$/, 'must be a duration like 5m, or 0 to turn the check off')
      .refine(
        (text) => !(durationMs(text) > 0 && durationMs(text) < STUCK_AFTER_AT_LEAST_MS),
        "must be 0 (off) or at least 2m: an idle worker's poll waits up to a minute for a task",
      )
      .default('5m'),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
    NUMBERFLOW_CODEC_KEYS: optionalText,
    NUMBERFLOW_CODEC_KEY_ID: optionalText,
    /**
     * 0: payloads of 16 KB or more are encrypted uncompressed (the first step of a rolling upgrade from a version that
     * reads none compressed); unset or 1: compressed (src/codec/compression.ts). Compressed ones are read either way.
     */
    NUMBERFLOW_COMPRESS_PAYLOADS: optionalText.pipe(z.enum(['0', '1']).optional()),
    /** Private X25519 keys (base64 DER, comma-separated): the worker unseals secrets with them. */
    NUMBERFLOW_SECRETS_KEY: optionalText,
    /** The public key clients seal secrets with. */
    NUMBERFLOW_SECRETS_PUBLIC_KEY: optionalText,
    /** Web UI origins allowed to call the codec server; default the embedded UI's. */
    NUMBERFLOW_CODEC_CORS_ORIGINS: optionalText.pipe(
      z
        .string()
        .regex(
          /^https?:\/\/[^/,\s]+(,\s*https?:\/\/[^/,\s]+)*$/,
          'must be origins like https://ui.example.com, comma-separated',
        )
        .optional(),
    ),
    /** postgres://… puts the stores (customers' tokens, signups) in PostgreSQL; unset: SQLite in the data folder. */
    NUMBERFLOW_DATABASE_URL: optionalText.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
        .refine(
          (url) => URL.canParse(url),
          'is not a URL: a user or password holding / # ? or @ must be percent-encoded in it (encodeURIComponent)',
        )
        .optional(),
    ),
    /** The token store's key(s), id:base64 of 32 bytes; generated in the data folder for the embedded SQLite. */
    NUMBERFLOW_STORE_KEY: optionalText,
    /** A system-user token, the fallback for WABAs without a token of their own. */
    META_ACCESS_TOKEN: optionalText,
    META_APP_ID: optionalText,
    META_APP_SECRET: optionalText,
    META_WEBHOOK_VERIFY_TOKEN: optionalText,
    GRAPH_BASE_URL: z.url().default(META_GRAPH_URL),
    GRAPH_API_VERSION: z
      .string()
      .regex(/^v\d+\.\d+$/, 'must look like v23.0')
      .default('v23.0'),
    /** Days the webhook inbox keeps a delivery it gave up on (customers' messages among them) before discarding it. */
    WEBHOOK_DEAD_LETTER_DAYS: positiveInt.max(3_650).default(DEAD_LETTER_DAYS),
    GRAPH_CONNECT_TIMEOUT_MS: positiveInt.default(5_000),
    GRAPH_REQUEST_TIMEOUT_MS: positiveInt.default(15_000),
    SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(8788),
    HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    /** 0.0.0.0 to take Meta's webhooks directly; behind a proxy, loopback is enough. */
    HTTP_HOST: z.string().trim().min(1).default('127.0.0.1'),
    /**
     * The proxies in front of the HTTP service (IP addresses, CIDR ranges, or loopback, linklocal, uniquelocal;
     * comma-separated) whose X-Forwarded-For and X-Forwarded-Proto the service believes; unset: none.
     */
    HTTP_TRUSTED_PROXIES: optionalText.pipe(
      z
        .string()
        .superRefine((list, ctx) => {
          for (const item of list.split(',').map((i) => i.trim())) {
            const problem = trustedProxyProblem(item);
            if (problem) {
              ctx.addIssue({
                code: 'custom',
                message: `"${item}" ${problem}: list the proxies in front of the service, comma-separated`,
              });
              return;
            }
          }
        })
        .optional(),
    ),
    /** A folder of prebuilt workflow bundles (scripts/bundle-workflows.ts); unset: bundled from source at start. */
    NUMBERFLOW_WORKFLOW_BUNDLE: optionalText,
    /** The worker's Prometheus port (the SDK's metrics and numberflow's Graph calls); unset: none. */
    NUMBERFLOW_METRICS_PORT: optionalText.pipe(
      z.coerce.number<string | undefined>().int().min(1).max(65535).optional(),
    ),
    /** The Temporal runtime binds a socket address: an IP, not a host name (checked with a port, below). */
    NUMBERFLOW_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    /** 1: spans exported (to localhost:4318 without an endpoint); 0: none, even with an endpoint. */
    NUMBERFLOW_TRACING: optionalText.pipe(z.enum(['0', '1']).optional()),
    /**
     * 1: workflow threads keep the SDK's stack per promise (the stack-trace query); unset or 0: they do not, and the
     * journeys' workflow code costs about half the CPU (src/temporal/workflow-threads.ts).
     */
    NUMBERFLOW_WORKFLOW_STACK_TRACES: optionalText.pipe(z.enum(['0', '1']).optional()),
    /**
     * What a start does when its payload keys do not open the running runs (src/codec/history-keys.ts): refuse (the
     * default) or warn and start (runs left of a key rotated out on purpose, while they are ended).
     */
    NUMBERFLOW_KEY_CHECK: optionalText.pipe(z.enum(['refuse', 'warn']).optional()),
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalText.pipe(
      z
        .url()
        .regex(/^https?:\/\//i, "must be an http:// or https:// URL, the collector's OTLP/HTTP address")
        .optional(),
    ),
    OTEL_SERVICE_NAME: optionalText,
  })
  .superRefine((env, ctx) => {
    if (env.NUMBERFLOW_METRICS_PORT !== undefined && isIP(env.NUMBERFLOW_METRICS_HOST) === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['NUMBERFLOW_METRICS_HOST'],
        message: 'must be an IP address such as 127.0.0.1 or 0.0.0.0 (the exporter binds an address, not a host name)',
      });
    }
    for (const [name, why] of [
      ['META_APP_SECRET', "it verifies Meta's webhook signatures"],
      ['META_WEBHOOK_VERIFY_TOKEN', "it answers Meta's webhook handshake"],
    ] as const) {
      // Whoever talks to Meta (a system-user token, or an app taking Embedded Signups) receives its webhooks.
      const talksToMeta = env.META_ACCESS_TOKEN ? 'META_ACCESS_TOKEN' : env.META_APP_ID ? 'META_APP_ID' : null;
      if (talksToMeta && !env[name]) {
        ctx.addIssue({ code: 'custom', path: [name], message: `is required with ${talksToMeta}: ${why}` });
      }
    }
    // Off loopback anyone can reach the webhook endpoint: it must check Meta's signatures with Meta's real secret.
    if (!isLoopback(env.HTTP_HOST) && !env.META_APP_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['HTTP_HOST'],
        message: 'a non-loopback HTTP_HOST needs META_APP_SECRET: the webhook endpoint would accept the sandbox secret',
      });
    }
    if (Boolean(env.TEMPORAL_TLS_CERT) !== Boolean(env.TEMPORAL_TLS_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.TEMPORAL_TLS_CERT ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT'],
        message: 'mTLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY',
      });
    }
  });

export type Config = z.output<typeof configSchema>;

/**
 * numberflow talks to Meta when it has a system-user token or an app (per-customer tokens come from Embedded
 * Signup, which needs the app); with neither, `npm start` runs the Graph API sandbox and the CLI talks to it.
 */
export function usesSandbox(config: Pick<Config, 'META_ACCESS_TOKEN' | 'META_APP_ID'>): boolean {
  return !config.META_ACCESS_TOKEN && !config.META_APP_ID;
}

/**
 * Where portfolio workflows run: a task queue of their own, polled by every worker beside the journeys' one. A
 * portfolio answers each journey's slot request; on the journeys' queue its workflow tasks waited behind the
 * journeys' own (measured: with 50 journeys in flight, 39% of slot requests missed their 1 s answer, the others
 * took 0.5 s at the median), and every journey of the portfolio waited with it.
 */
export function portfolioTaskQueue(
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'TEMPORAL_PORTFOLIO_TASK_QUEUE'>,
): string {
  return config.TEMPORAL_PORTFOLIO_TASK_QUEUE ?? `${config.TEMPORAL_TASK_QUEUE}-portfolios`;
}

/** The task queues whose runs a worker or the service reads: the journeys' and the portfolios'. */
export function taskQueuesOf(config: Config): string[] {
  return [config.TEMPORAL_TASK_QUEUE, portfolioTaskQueue(config)];
}

/**
 * The server notes a poll when it begins, and an idle worker's poll waits up to a minute for a task: a shorter bound
 * for WORKER_STUCK_AFTER would take an idle worker for a stuck one.
 */
export const STUCK_AFTER_AT_LEAST_MS = 2 * 60_000;

/** WORKER_STUCK_AFTER in ms; null when the check is off. */
export function stuckAfterMs(config: Pick<Config, 'WORKER_STUCK_AFTER'>): number | null {
  const ms = durationMs(config.WORKER_STUCK_AFTER);
  return ms > 0 ? ms : null;
}

/** A duration as the configuration writes them (10s, 5m, 250ms, 0) in ms; NaN when it is not one. */
export function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m)?$/.exec(text);
  if (!match) return Number.NaN;
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm'];
}

/** Every variable the configuration reads (scripts/check-compose.sh holds the compose file to these). */
export const configVariables: readonly string[] = Object.keys(configSchema.shape);

/** The addresses HTTP_TRUSTED_PROXIES lists, for Fastify's trustProxy (empty: no proxy is believed). */
export function trustedProxies(config: Pick<Config, 'HTTP_TRUSTED_PROXIES'>): string[] {
  return config.HTTP_TRUSTED_PROXIES?.split(',').map((item) => item.trim()) ?? [];
}

const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Why an item is no proxy Fastify's trustProxy can believe, or null: an address, a CIDR range within its family's
 * bits, or a range's name.
 */
function trustedProxyProblem(item: string): string | null {
  if (PROXY_RANGES.has(item)) return null;
  const notOne = 'is not an IP address, a CIDR range (10.0.0.0/8) or one of loopback, linklocal, uniquelocal';
  const [address = '', bits, ...more] = item.split('/');
  const family = isIP(address);
  if (family === 0 || more.length > 0) return notOne;
  if (bits === undefined) return null;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) return notOne;
  // The IPv4 addresses mapped into IPv6 (::ffff:0:0/96) are every IPv4 address: a range of them as wide is everyone.
  const widest = family === 6 && /^::ffff:/i.test(address) ? 96 : 0;
  if (Number(bits) <= widest) return 'would trust every address, which is no proxy';
  return null;
}

export function isLoopback(host: string): boolean {
  const bare = host
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase()
    .replace(/^::ffff:/, ''); // an IPv4 peer on a dual-stack socket
  return bare === 'localhost' || bare === '::1' || (isIPv4(bare) && bare.startsWith('127.'));
}

/** The Web UI origins the codec server answers (CORS): configured, or the embedded UI's on TEMPORAL_UI_PORT. */
export function codecCorsOrigins(config: Config): string[] {
  if (config.NUMBERFLOW_CODEC_CORS_ORIGINS) return config.NUMBERFLOW_CODEC_CORS_ORIGINS.split(',').map((o) => o.trim());
  return [`http://127.0.0.1:${config.TEMPORAL_UI_PORT}`, `http://localhost:${config.TEMPORAL_UI_PORT}`];
}

/** Whether the workflow threads keep the SDK's stack per promise (src/temporal/workflow-threads.ts): only asked. */
export function workflowStackTracesAsked(config: Pick<Config, 'NUMBERFLOW_WORKFLOW_STACK_TRACES'>): boolean {
  return config.NUMBERFLOW_WORKFLOW_STACK_TRACES === '1';
}

/** Whether spans are exported: an OTLP endpoint or NUMBERFLOW_TRACING=1 turns it on. Off, no tracing code loads. */
export function tracingEnabled(config: Config): boolean {
  if (config.NUMBERFLOW_TRACING) return config.NUMBERFLOW_TRACING === '1';
  return config.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined;
}

/** Variables whose values never appear in an error message (a database URL may carry its password). */
const SECRET_NAME = /TOKEN|SECRET|KEY|PASSWORD|PIN|DATABASE_URL/;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** Set where the setting may be right and what it names is away now (Temporal not reached): run again later. */
  tryAgain = false;
}

/**
 * Variables whose default would send the work elsewhere (Meta itself, another namespace or queue, another
 * interface): set blank — an env file's interpolation of a variable not set, say — they are refused, not defaulted.
 */
const BLANK_REFUSED = new Set(['GRAPH_BASE_URL', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'HTTP_HOST']);

/**
 * The environment without the variables set blank (`HTTP_PORT=` in an env file), which read as unset: their
 * default, or what their absence means — before, a blank port was port 0 (any free one), a blank level or number an
 * error. `kept`: those whose blank the schema refuses instead.
 */
export function withoutBlanks(
  env: Record<string, string | undefined>,
  kept: ReadonlySet<string> = new Set(),
): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(env).filter(([name, value]) => value === undefined || value.trim() !== '' || kept.has(name)),
  );
}

/** Reads the configuration from an environment (process.env by default). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(withoutBlanks(env, BLANK_REFUSED));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'environment');
    const given = env[name];
    const shown = given === undefined || SECRET_NAME.test(name) ? '' : ` (got "${withoutCredentials(given)}")`;
    return `${name}: ${issue.message}${shown}`;
  });
  throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
}

/**
 * A refused value as an error may show it: a URL's user and password, and a query (an API key given as a parameter)
 * whatever precedes it, are left out — a collector's, Graph's or Temporal's address refused for a typo may carry them.
 */
export function withoutCredentials(value: string): string {
  // Up to the last @, with or without a scheme: a malformed address may hold a password anywhere before it.
  return value
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)?.*@/is, (_all, scheme: string | undefined) => `${scheme ?? ''}…@`)
    .replace(/^([^?#]*)[?#].*$/s, '$1?…');
}
