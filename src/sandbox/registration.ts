// Registering a number on the Cloud API and taking it off (docs/meta-graph-api.md#registration, #deregistration, #two-step-pin, docs/sandbox-assumptions.md#the-number-model), with Meta's guards in the
// order a caller meets them, and the PENDING → CONNECTED transition after connectDelayMs of sandbox time.
import { HOUR, withinWindow } from './clock.js';
import { type SandboxCore, sendAccountWebhook } from './core.js';
import { applyApprovedName } from './display-names.js';
import { GraphApiError } from './graph-error.js';
import { isRegistered, type PhoneNumber } from './model.js';
import { DELETION_COOLDOWN_MS } from './numbers.js';
import { codeVerificationStatus } from './verification.js';

export const DATA_LOCALIZATION_REGIONS = [
  'AU', 'ID', 'IN', 'JP', 'SG', 'KR', 'DE', 'CH', 'GB', 'BR', 'BH', 'ZA', 'AE', 'CA',
] as const; // prettier-ignore

const REGISTER_CALLS_PER_WINDOW = 10;
const REGISTER_WINDOW_MS = 72 * HOUR;

/** Coexistence numbers are registered by the WhatsApp Business App; Meta refuses both calls with 100 (docs/meta-graph-api.md#deregistration). */
function refuseCoexistence(number: PhoneNumber, endpoint: 'Register' | 'Deregister'): void {
  if (number.isOnBizApp) {
    throw new GraphApiError(100, `${endpoint} endpoint is not available for API solution for SMB businesses.`);
  }
}

/**
 * register and deregister share one budget: 10 calls per number in a moving 72 h (docs/meta-graph-api.md#registration). Every call that reaches the
 * number counts, even one refused for its PIN, except a call refused by this limit: waiting reopens the window.
 */
function countRegisterCall(core: SandboxCore, number: PhoneNumber): void {
  const now = core.clock.now();
  number.registerCalls = withinWindow(number.registerCalls, now, REGISTER_WINDOW_MS);
  if (number.registerCalls.length >= REGISTER_CALLS_PER_WINDOW) {
    const reopensAt = new Date((number.registerCalls[0] ?? now) + REGISTER_WINDOW_MS).toISOString();
    throw new GraphApiError(
      133016,
      `register/deregister was called 10 times in 72 hours for this number: try again after ${reopensAt}`,
    );
  }
  number.registerCalls.push(now);
}

export function register(
  core: SandboxCore,
  number: PhoneNumber,
  input: { pin: string; dataLocalizationRegion?: string },
): void {
  refuseCoexistence(number, 'Register');
  countRegisterCall(core, number);
  const now = core.clock.now();
  const line = core.store.line(number.e164);
  if (line.deletedAt !== undefined && now - line.deletedAt < DELETION_COOLDOWN_MS) {
    throw new GraphApiError(
      133015,
      'this phone number was deleted a few minutes ago; its deletion is still in progress',
    );
  }
  if (codeVerificationStatus(number, now) !== 'VERIFIED') {
    throw new GraphApiError(133006, 'the phone number must be verified again: request a code and verify it');
  }
  if (line.pin !== undefined && line.pin !== input.pin) {
    throw new GraphApiError(133005, 'two-step verification is on for this number and holds another PIN');
  }
  line.pin = input.pin;
  number.dataLocalizationRegion = input.dataLocalizationRegion;
  number.platformType = 'CLOUD_API';
  applyApprovedName(number);
  if (!isRegistered(number)) connectLater(core, number);
}

/** CONNECTED after connectDelayMs (PENDING meanwhile), then the ONBOARDING quality webhook (docs/meta-graph-api.md#account-and-number-fields, docs/sandbox-assumptions.md#the-number-model). */
function connectLater(core: SandboxCore, number: PhoneNumber): void {
  number.status = 'PENDING';
  const generation = ++number.connectGeneration;
  const connect = (): void => {
    if (core.store.numbers.get(number.id) !== number || number.connectGeneration !== generation) return;
    number.status = 'CONNECTED';
    number.everConnected = true;
    sendAccountWebhook(core, number.wabaId, 'phone_number_quality_update', {
      display_phone_number: number.digits,
      event: 'ONBOARDING',
      current_limit: 'TIER_250',
      max_daily_conversations_per_business: 'TIER_250',
    });
  };
  if (core.settings.connectDelayMs <= 0) connect();
  else core.clock.schedule(core.clock.now() + core.settings.connectDelayMs, connect);
}

/** After a restart of a persisted sandbox: a registered number still PENDING gets its CONNECTED transition again. */
export function resumeConnect(core: SandboxCore, number: PhoneNumber): void {
  if (number.status === 'PENDING' && number.platformType === 'CLOUD_API' && !number.isOnBizApp) {
    connectLater(core, number);
  }
}

/**
 * ⚠ Meta does not document the status after deregister (docs/sandbox-assumptions.md#status-after-deregister); the sandbox reports DISCONNECTED, the value
 * Meta's status list has for a number that can no longer use the Cloud API. Local storage is turned off.
 */
export function deregister(core: SandboxCore, number: PhoneNumber): void {
  refuseCoexistence(number, 'Deregister');
  countRegisterCall(core, number);
  number.connectGeneration++;
  number.status = 'DISCONNECTED';
  number.dataLocalizationRegion = undefined;
}

/** POST /{id} {pin}: sets or changes the two-step PIN; turning it off is WhatsApp Manager only (docs/meta-graph-api.md#two-step-pin). */
export function setTwoStepPin(core: SandboxCore, number: PhoneNumber, pin: string): void {
  core.store.line(number.e164).pin = pin;
}
