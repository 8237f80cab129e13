// The sandbox's admin: what Meta's side (a reviewer, the phone, WhatsApp Manager, the customer) does, plus the
// test hooks (clock, faults, call log, webhooks). The same actions are served over HTTP under /_sandbox.
import type { RestrictionType } from '../graph/webhook-fields.js';
import {
  type DisconnectionInfo,
  createPortfolio,
  createWaba,
  raiseCap,
  removePartner,
  disconnectNumber,
  restrictWaba,
} from './accounts.js';
import { type CallLog, type CallLogEntry } from './call-log.js';
import type { SandboxCore } from './core.js';
import { type NameDecision, type RejectionReason, decideDisplayName } from './display-names.js';
import type { FaultSpec } from './faults.js';
import { deliverInbound, recycleCustomer, sendStatus, setCustomerIdentity } from './identity.js';
import type { BusinessVerificationStatus, OutboxEntry, RegisteredStatus } from './model.js';
import {
  deleteNumber,
  linkCoexistenceNumber,
  markIvr,
  setNumberStatus,
  presetTwoStepPin,
  recordPaidMessage,
  twoStepPin,
} from './numbers.js';
import { createSignupCode, issueToken, revokeTokens } from './tokens.js';
import { latestCode, outbox, type OutboxFilter } from './verification.js';
import type { WebhookDelivery } from './webhooks.js';

export interface SandboxAdmin {
  createPortfolio(input?: {
    portfolioId?: string;
    maxPhoneNumbers?: number;
    verificationStatus?: BusinessVerificationStatus;
  }): { portfolioId: string };
  createWaba(input: { portfolioId: string; wabaId?: string }): { wabaId: string };
  /** A token for these WABAs; scopes default to whatsapp_business_management and whatsapp_business_messaging. */
  issueToken(input: { wabaIds: string[]; scopes?: string[] }): string;
  /** Every token of the WABA answers 190 from now on (the customer took the app's access away). */
  revokeTokens(wabaId: string): { revoked: number };
  /** An Embedded Signup code for the WABA: 30 s of sandbox time, single use. */
  createSignupCode(input: { wabaId: string }): { code: string };
  /** The codes the phone received (the one place a code is readable). */
  outbox(filter?: OutboxFilter): OutboxEntry[];
  /** The latest code that actually reached the phone. */
  latestCode(phoneNumberId: string): string | undefined;
  now(): number;
  /** Moves the sandbox clock and runs what became due; returns the new sandbox time. */
  advanceClock(ms: number): number;
  /** Sets the registered-number cap (default 20) and sends business_capability_update to each WABA. */
  raiseCap(portfolioId: string, maxPhoneNumbers?: number): void;
  decideDisplayName(phoneNumberId: string, decision: NameDecision, rejectionReason?: RejectionReason): void;
  /** SMS never reaches this number; a voice call does. */
  /** Meta limits a registered number (FLAGGED, RESTRICTED, RATE_LIMITED, BANNED), or lifts it (CONNECTED). */
  setNumberStatus(phoneNumberId: string, status: RegisteredStatus): void;
  markIvr(e164: string): void;
  presetTwoStepPin(e164: string, pin: string): void;
  /** The two-step PIN the line holds (set by a register, or preset): the one place a PIN is readable. */
  twoStepPin(e164: string): string | undefined;
  recordPaidMessage(phoneNumberId: string): void;
  /** WhatsApp Manager's deletion; throws SandboxAdminError within 30 days of a paid message. */
  deleteNumber(phoneNumberId: string): void;
  linkCoexistenceNumber(input: { wabaId: string; e164: string; verifiedName: string }): { phoneNumberId: string };
  restrictWaba(wabaId: string, restrictionType: RestrictionType): void;
  removePartner(wabaId: string, disconnectionInfo?: DisconnectionInfo): void;
  /** A coexistence number disconnected from the app: PARTNER_REMOVED naming it, with its disconnection_info. */
  disconnectNumber(phoneNumberId: string, info: DisconnectionInfo): void;
  setCustomerIdentity(phoneNumberId: string, waId: string, identityKeyHash: string): void;
  /** The customer's number is recycled: a new identity hash, so a send with the old one fails with 137000. */
  recycleCustomer(phoneNumberId: string, waId: string): { identityKeyHash: string };
  deliverInbound(phoneNumberId: string, waId: string, text: string): { messageId: string };
  sendStatus(
    phoneNumberId: string,
    waId: string,
    options?: { recipientIdentityKeyHash?: string },
  ): { messageId: string; status: 'sent' | 'failed' };
  injectFault(spec: FaultSpec): void;
  /** The faults still armed, each with the matching calls it has left (`times`): one gone has met its calls. */
  faults(): FaultSpec[];
  clearFaults(): void;
  calls(): CallLogEntry[];
  clearCalls(): void;
  webhooks(): WebhookDelivery[];
  setWebhookUrl(url: string | undefined): void;
  /** Resolves when every queued webhook has been delivered or given up. */
  flushWebhooks(): Promise<void>;
}

const RAISED_CAP = 20;

export function createAdmin(core: SandboxCore, callLog: CallLog): SandboxAdmin {
  return {
    createPortfolio: (input) => createPortfolio(core, input),
    createWaba: (input) => createWaba(core, input),
    issueToken: (input) => issueToken(core, input),
    revokeTokens: (wabaId) => revokeTokens(core, wabaId),
    createSignupCode: (input) => createSignupCode(core, input),
    outbox: (filter) => outbox(core, filter),
    latestCode: (phoneNumberId) => latestCode(core, phoneNumberId),
    now: () => core.clock.now(),
    advanceClock: (ms) => core.clock.advance(ms),
    raiseCap: (portfolioId, maxPhoneNumbers = RAISED_CAP) => raiseCap(core, portfolioId, maxPhoneNumbers),
    decideDisplayName: (phoneNumberId, decision, reason) => decideDisplayName(core, phoneNumberId, decision, reason),
    setNumberStatus: (phoneNumberId, status) => setNumberStatus(core, phoneNumberId, status),
    markIvr: (e164) => markIvr(core, e164),
    presetTwoStepPin: (e164, pin) => presetTwoStepPin(core, e164, pin),
    twoStepPin: (e164) => twoStepPin(core, e164),
    recordPaidMessage: (phoneNumberId) => recordPaidMessage(core, phoneNumberId),
    deleteNumber: (phoneNumberId) => deleteNumber(core, phoneNumberId),
    linkCoexistenceNumber: (input) => linkCoexistenceNumber(core, input),
    restrictWaba: (wabaId, restrictionType) => restrictWaba(core, wabaId, restrictionType),
    removePartner: (wabaId, info) => removePartner(core, wabaId, info),
    disconnectNumber: (phoneNumberId, info) => disconnectNumber(core, phoneNumberId, info),
    setCustomerIdentity: (phoneNumberId, waId, hash) => setCustomerIdentity(core, phoneNumberId, waId, hash),
    recycleCustomer: (phoneNumberId, waId) => recycleCustomer(core, phoneNumberId, waId),
    deliverInbound: (phoneNumberId, waId, text) => deliverInbound(core, phoneNumberId, waId, text),
    sendStatus: (phoneNumberId, waId, options) => sendStatus(core, phoneNumberId, waId, options),
    injectFault: (spec) => core.faults.inject(spec),
    faults: () => core.faults.active(),
    clearFaults: () => core.faults.clear(),
    calls: () => callLog.list(),
    clearCalls: () => callLog.clear(),
    webhooks: () => core.webhooks.list(),
    setWebhookUrl: (url) => core.webhooks.setUrl(url),
    flushWebhooks: () => core.webhooks.flush(),
  };
}
