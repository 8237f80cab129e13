// Business portfolios and WABAs: the registered-number cap, restrictions, partner removal and the app's
// subscription to a WABA's webhooks (docs/meta-graph-api.md#webhook-subscription, #account-and-number-fields, #registered-number-cap).
import type { RestrictionType } from '../graph/webhook-fields.js';
import { request } from 'undici';
import { DAY, unixSeconds } from './clock.js';
import { type SandboxCore, SandboxAdminError, adminNumber, adminWaba, sendAccountWebhook } from './core.js';
import { invalidParameter } from './graph-error.js';
import type { BusinessVerificationStatus, Portfolio, Waba } from './model.js';

export interface DisconnectionInfo {
  reason: string;
  initiated_by: 'USER' | 'SYSTEM';
}

const DEFAULT_CAP = 2;
const DEFAULT_MESSAGING_LIMIT = 250;

export function createPortfolio(
  core: SandboxCore,
  input: { portfolioId?: string; maxPhoneNumbers?: number; verificationStatus?: BusinessVerificationStatus } = {},
): { portfolioId: string } {
  const id = input.portfolioId ?? core.random.stream('ids').graphId();
  if (core.store.portfolios.has(id)) throw new SandboxAdminError(`portfolio ${id} already exists`);
  core.store.portfolios.set(id, {
    id,
    name: `Sandbox business ${id}`,
    maxPhoneNumbers: input.maxPhoneNumbers ?? DEFAULT_CAP,
    messagingLimit: DEFAULT_MESSAGING_LIMIT,
    ...(input.verificationStatus ? { verificationStatus: input.verificationStatus } : {}),
  });
  return { portfolioId: id };
}

/** Meta sends business_capability_update when a WABA is created and whenever a cap changes (docs/meta-graph-api.md#account-and-number-fields). */
export function createWaba(core: SandboxCore, input: { portfolioId: string; wabaId?: string }): { wabaId: string } {
  const portfolio = core.store.portfolios.get(input.portfolioId);
  if (!portfolio) throw new SandboxAdminError(`no portfolio with id ${input.portfolioId}`);
  const id = input.wabaId ?? core.random.stream('ids').graphId();
  if (core.store.wabas.has(id) || core.store.numbers.has(id)) throw new SandboxAdminError(`id ${id} is taken`);
  core.store.wabas.set(id, {
    id,
    portfolioId: portfolio.id,
    name: `Sandbox WABA ${id}`,
    restrictions: [],
    partnerRemoved: false,
  });
  sendCapabilityUpdate(core, portfolio, id);
  return { wabaId: id };
}

export function raiseCap(core: SandboxCore, portfolioId: string, maxPhoneNumbers: number): void {
  const portfolio = core.store.portfolios.get(portfolioId);
  if (!portfolio) throw new SandboxAdminError(`no portfolio with id ${portfolioId}`);
  if (!Number.isInteger(maxPhoneNumbers) || maxPhoneNumbers < 1) {
    throw new SandboxAdminError('maxPhoneNumbers must be a positive integer');
  }
  portfolio.maxPhoneNumbers = maxPhoneNumbers;
  for (const waba of core.store.wabasOfPortfolio(portfolioId)) sendCapabilityUpdate(core, portfolio, waba.id);
}

function sendCapabilityUpdate(core: SandboxCore, portfolio: Portfolio, wabaId: string): void {
  sendAccountWebhook(core, wabaId, 'business_capability_update', {
    max_daily_conversations_per_business: portfolio.messagingLimit,
    max_phone_numbers_per_business: portfolio.maxPhoneNumbers,
  });
}

/**
 * ACCOUNT_RESTRICTION for 30 days of the sandbox's clock, as its webhook's expiration says; RESTRICTED_ADD_PHONE_NUMBER_ACTION
 * also makes adding a number fail (see numbers.ts) until then.
 */
export function restrictWaba(core: SandboxCore, wabaId: string, restrictionType: RestrictionType): void {
  const waba = adminWaba(core, wabaId);
  const until = core.clock.now() + RESTRICTION_MS;
  if (!waba.restrictions.includes(restrictionType)) waba.restrictions.push(restrictionType);
  waba.restrictedUntil = { ...waba.restrictedUntil, [restrictionType]: until };
  sendAccountWebhook(core, waba.id, 'account_update', {
    event: 'ACCOUNT_RESTRICTION',
    restriction_info: [{ restriction_type: restrictionType, expiration: unixSeconds(until) }],
  });
}

const RESTRICTION_MS = 30 * DAY;

/** Restrictions of a state saved before they had an end: they end 30 days after this start. */
export function dateRestrictions(core: SandboxCore, waba: Waba): void {
  for (const type of waba.restrictions) {
    if (waba.restrictedUntil && Object.hasOwn(waba.restrictedUntil, type)) continue;
    waba.restrictedUntil = { ...waba.restrictedUntil, [type]: core.clock.now() + RESTRICTION_MS };
  }
}

/** The WABA's restrictions that stand now, on the sandbox's clock. */
export function activeRestrictions(core: SandboxCore, waba: Waba): string[] {
  const until = (type: string) =>
    waba.restrictedUntil && Object.hasOwn(waba.restrictedUntil, type) ? waba.restrictedUntil[type] : undefined;
  return waba.restrictions.filter((type) => (until(type) ?? Infinity) > core.clock.now());
}

/** PARTNER_REMOVED: the sandbox's app loses access to the WABA, so its tokens get 200 from then on. */
export function removePartner(core: SandboxCore, wabaId: string, disconnectionInfo?: DisconnectionInfo): void {
  const waba = adminWaba(core, wabaId);
  waba.partnerRemoved = true;
  waba.subscribedApp = undefined;
  sendAccountWebhook(core, waba.id, 'account_update', {
    event: 'PARTNER_REMOVED',
    waba_info: { waba_id: waba.id, owner_business_id: waba.portfolioId, partner_app_id: core.settings.appId },
    ...(disconnectionInfo ? { disconnection_info: disconnectionInfo } : {}),
  });
}

/**
 * A coexistence number disconnected from the app (the business in its WhatsApp Business App, or Meta for inactivity):
 * PARTNER_REMOVED naming the number, with `disconnection_info`. The sandbox keeps the number as it was (what Meta
 * shows of it then is not documented: docs/sandbox-assumptions.md).
 */
export function disconnectNumber(core: SandboxCore, phoneNumberId: string, info: DisconnectionInfo): void {
  const number = adminNumber(core, phoneNumberId);
  if (!number.isOnBizApp) {
    throw new SandboxAdminError(
      `${phoneNumberId} is no coexistence number: only a Business App number is disconnected so`,
    );
  }
  const waba = adminWaba(core, number.wabaId);
  sendAccountWebhook(core, waba.id, 'account_update', {
    event: 'PARTNER_REMOVED',
    phone_number: number.digits,
    waba_info: { waba_id: waba.id, owner_business_id: waba.portfolioId, partner_app_id: core.settings.appId },
    disconnection_info: info,
  });
}

/**
 * POST /{waba}/subscribed_apps. With override_callback_uri Meta first verifies the callback (docs/meta-graph-api.md#handshake: GET with
 * hub.challenge, which must come back as the body) and then sends this WABA's webhooks there.
 */
export async function subscribeApp(
  core: SandboxCore,
  waba: Waba,
  input: { overrideCallbackUri?: string; verifyToken?: string },
): Promise<void> {
  if (input.overrideCallbackUri) {
    if (input.verifyToken === undefined) throw invalidParameter('verify_token is required with override_callback_uri');
    await verifyCallback(core, input.overrideCallbackUri, input.verifyToken);
  }
  waba.subscribedApp = input.overrideCallbackUri ? { overrideCallbackUri: input.overrideCallbackUri } : {};
}

async function verifyCallback(core: SandboxCore, callbackUri: string, verifyToken: string): Promise<void> {
  const challenge = core.random.stream('tokens').digits(10);
  const url = new URL(callbackUri);
  url.searchParams.set('hub.mode', 'subscribe');
  url.searchParams.set('hub.challenge', challenge);
  url.searchParams.set('hub.verify_token', verifyToken);
  let answer: string;
  try {
    const response = await request(url, { method: 'GET', headersTimeout: 5_000, bodyTimeout: 5_000 });
    answer = response.statusCode === 200 ? await response.body.text() : (await response.body.dump(), '');
  } catch {
    answer = '';
  }
  if (answer !== challenge) {
    throw invalidParameter(`callback verification failed: ${callbackUri} did not echo hub.challenge`);
  }
}

export function subscribedApps(core: SandboxCore, waba: Waba): Record<string, unknown>[] {
  if (!waba.subscribedApp) return [];
  const { appId } = core.settings;
  return [
    {
      whatsapp_business_api_data: {
        id: appId,
        name: 'numberflow sandbox app',
        link: `https://www.facebook.com/games/?app_id=${appId}`,
      },
      ...(waba.subscribedApp.overrideCallbackUri
        ? { override_callback_uri: waba.subscribedApp.overrideCallbackUri }
        : {}),
    },
  ];
}
