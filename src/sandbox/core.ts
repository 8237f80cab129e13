// What every rule module works with: the state, the clock, seeded randomness, the webhook outbox and the settings.
import type { Logger } from 'pino';
import { type SandboxClock, unixSeconds } from './clock.js';
import type { FaultBook } from './faults.js';
import type { PhoneNumber, SandboxStore, Waba } from './model.js';
import type { SandboxRandom } from './random.js';
import type { WebhookDelivery, WebhookOutbox } from './webhooks.js';

export interface SandboxSettings {
  appId: string;
  appSecret: string;
  nameReviewDelayMs: number | null;
  connectDelayMs: number;
  otpTtlMs: number;
  /** How many codes the outbox keeps (each number's latest always); unbounded unless persisted. */
  outboxKept?: number;
}

export interface SandboxCore {
  store: SandboxStore;
  clock: SandboxClock;
  random: SandboxRandom;
  faults: FaultBook;
  webhooks: WebhookOutbox;
  settings: SandboxSettings;
  logger?: Logger;
}

/** An admin action the sandbox refuses (unknown id, a Meta rule such as the 30-day deletion block). */
export class SandboxAdminError extends Error {
  override readonly name = 'SandboxAdminError';
}

export function adminNumber(core: SandboxCore, phoneNumberId: string): PhoneNumber {
  const number = core.store.numbers.get(phoneNumberId);
  if (!number) throw new SandboxAdminError(`no phone number with id ${phoneNumberId}`);
  return number;
}

export function adminWaba(core: SandboxCore, wabaId: string): Waba {
  const waba = core.store.wabas.get(wabaId);
  if (!waba) throw new SandboxAdminError(`no WABA with id ${wabaId}`);
  return waba;
}

/** An account-level webhook (carries `time`, docs/meta-graph-api.md#envelope). */
export function sendAccountWebhook(
  core: SandboxCore,
  wabaId: string,
  field: string,
  value: Record<string, unknown>,
): WebhookDelivery {
  return core.webhooks.send(wabaId, field, value, unixSeconds(core.clock.now()));
}
