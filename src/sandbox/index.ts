// The Graph API sandbox: a real HTTP server that behaves like Meta's WhatsApp phone-number endpoints and sends
// Meta's webhooks (docs/meta-graph-api.md, docs/sandbox-assumptions.md). Start one per test with port 0.
import type { Logger } from 'pino';
import { type SandboxAdmin, createAdmin } from './admin.js';
import { CallLog } from './call-log.js';
import { MINUTE, SandboxClock } from './clock.js';
import type { SandboxCore } from './core.js';
import { demoAccount, type DemoAccount } from './demo.js';
import { FaultBook } from './faults.js';
import { SandboxStore } from './model.js';
import { loadSavedState, persist } from './persistence.js';
import { holdStateFolder } from './state-lock.js';
import { SandboxRandom } from './random.js';
import { buildServer } from './server.js';
import { WebhookOutbox } from './webhooks.js';

export type { SandboxAdmin } from './admin.js';
export type { CallLogEntry } from './call-log.js';
export type { DemoAccount } from './demo.js';
export { SandboxAdminError } from './core.js';
export type { FaultKind, FaultSpec } from './faults.js';
export type { OutboxEntry } from './model.js';
export type { WebhookDelivery, WebhookEnvelope } from './webhooks.js';

export interface SandboxOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Default '1234567890'. */
  appId?: string;
  /** Signs webhooks; also checked by the code exchange and debug_token. */
  appSecret: string;
  /** Where signed webhooks are POSTed (can be set later through admin.setWebhookUrl). */
  webhookUrl?: string;
  /**
   * A webhook made before any callback URL was set waits for one (sent once it is) instead of being given up:
   * npm start's sandbox makes its demo account before the service listens. Default false: given up, as Meta sends
   * nothing to an app without a callback URL.
   */
  holdWebhooksUntilUrl?: boolean;
  /** Makes codes, ids, fbtrace_ids and probabilistic faults reproducible. */
  seed?: number;
  /** Display names are approved after this much sandbox time; null (default): an admin decides. */
  nameReviewDelayMs?: number | null;
  /** Sandbox time from a good register to CONNECTED (default 0: at once). */
  connectDelayMs?: number;
  /** OTP lifetime, default 10 minutes (⚠ docs/sandbox-assumptions.md#code-lifetime). */
  otpTtlMs?: number;
  logger?: Logger;
  /** Webhook delivery attempts before giving up (default 5). */
  webhookMaxAttempts?: number;
  /** Real-time backoff before retry n: webhookBackoffMs × 2^(n-1) (default 50 ms). */
  webhookBackoffMs?: number;
  /**
   * Tries a given-up webhook again after this much real time, then after waits doubling up to an hour, for a day, as
   * Meta keeps retrying: a receiver down for a while (a full disk, a restart) then gets it without a restart of the
   * sandbox. Unset (default): given up stays given up until the next start of a persisted sandbox, so that tests
   * can await a flush.
   */
  webhookRetryGivenUpEveryMs?: number;
  /**
   * Keep the state (numbers, codes, tokens, clock, call log, webhooks, faults) in this folder, encrypted, and
   * reload it at start. Unset (the default): in memory only. The saved seed wins over `seed`.
   */
  stateDir?: string;
}

export interface Sandbox {
  /** e.g. http://127.0.0.1:PORT, without a version: any /vNN.N/ prefix is accepted. */
  url: string;
  admin: SandboxAdmin;
  /** The first portfolio, WABA and token: made on first use, the same ones again from a persisted state. */
  demoAccount(): DemoAccount;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  // Held before its state is read: a sandbox stopping on the folder writes its last state first.
  const lock = options.stateDir === undefined ? undefined : holdStateFolder(options.stateDir);
  try {
    const saved = options.stateDir === undefined ? undefined : loadSavedState(options.stateDir);
    return await startHeld(options, host, saved, () => lock?.release());
  } catch (err) {
    lock?.release();
    throw err;
  }
}

async function startHeld(
  options: SandboxOptions,
  host: string,
  saved: ReturnType<typeof loadSavedState> | undefined,
  release: () => void,
): Promise<Sandbox> {
  const random = new SandboxRandom(saved?.snapshot?.random.seed ?? options.seed);
  const faults = new FaultBook(random.stream('faults'));
  const store = new SandboxStore();
  const clock = new SandboxClock((err) => options.logger?.error({ err }, 'sandbox: a scheduled task failed'));
  const webhooks = new WebhookOutbox({
    appSecret: options.appSecret,
    url: options.webhookUrl,
    faults,
    callbackFor: (wabaId) => store.wabas.get(wabaId)?.subscribedApp?.overrideCallbackUri,
    maxAttempts: options.webhookMaxAttempts ?? 5,
    backoffMs: options.webhookBackoffMs ?? 50,
    holdUntilUrl: options.holdWebhooksUntilUrl,
    retryGivenUpEveryMs: options.webhookRetryGivenUpEveryMs,
    logger: options.logger,
  });
  const core: SandboxCore = {
    store,
    clock,
    random,
    faults,
    webhooks,
    settings: {
      appId: options.appId ?? '1234567890',
      appSecret: options.appSecret,
      nameReviewDelayMs: options.nameReviewDelayMs ?? null,
      connectDelayMs: options.connectDelayMs ?? 0,
      otpTtlMs: options.otpTtlMs ?? 10 * MINUTE,
    },
    logger: options.logger,
  };
  const callLog = new CallLog();
  const admin = createAdmin(core, callLog);
  const persistence = saved && persist(core, callLog, saved, options.logger);
  const app = await buildServer(core, callLog, admin, persistence?.save);
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    admin,
    demoAccount: () => demoAccount(core),
    close: async () => {
      clock.stop();
      await webhooks.close();
      await app.close();
      await persistence?.close();
      release();
    },
  };
}
