// The sandbox's state: portfolios, WABAs, phone numbers, the physical lines behind them, tokens and the phone's
// outbox. Plain data; the rules that change it live in the modules named after each stage of the journey.
import type { CodeMethod } from '../domain/journey.js';
import type { SmbSyncType } from '../domain/number.js';

export type { CodeMethod };

/**
 * Statuses of a registered number: CONNECTED, or one Meta gives a registered number it limits (still registered, and
 * counted at the cap; only a CONNECTED number sends). The sandbox reaches the others only by its admin.
 */
export const registeredStatuses = ['CONNECTED', 'FLAGGED', 'RESTRICTED', 'RATE_LIMITED', 'BANNED'] as const;
export type RegisteredStatus = (typeof registeredStatuses)[number];
export type NumberStatus = 'PENDING' | 'DISCONNECTED' | RegisteredStatus;

export function isRegistered(number: { status: NumberStatus }): boolean {
  return (registeredStatuses as readonly string[]).includes(number.status);
}
export type { SmbSyncType };
export type CodeVerificationStatus = 'NOT_VERIFIED' | 'VERIFIED' | 'EXPIRED';
export type NameStatus = 'APPROVED' | 'DECLINED' | 'PENDING_REVIEW';

export const WHATSAPP_SCOPES = ['whatsapp_business_management', 'whatsapp_business_messaging'] as const;
export type WhatsAppScope = (typeof WHATSAPP_SCOPES)[number];

export interface Portfolio {
  id: string;
  /** The business's name, as owner_business_info shows it. */
  name: string;
  /** Registered-number cap (docs/meta-graph-api.md#registered-number-cap): 2 for a new portfolio, 20 once raised. */
  maxPhoneNumbers: number;
  /** Daily business-initiated conversations (docs/meta-graph-api.md#throughput-and-messaging-limits: 250 → 2K → …), reported in capability webhooks. */
  messagingLimit: number;
  /** The business's verification, as a WABA's business_verification_status shows it; absent: not_verified. */
  verificationStatus?: BusinessVerificationStatus;
}

/** docs/sandbox-assumptions.md#business-verification: the values the sandbox answers. */
export const businessVerificationStatuses = ['not_verified', 'pending', 'verified', 'rejected'] as const;
export type BusinessVerificationStatus = (typeof businessVerificationStatuses)[number];

export interface Waba {
  id: string;
  portfolioId: string;
  name: string;
  restrictions: string[];
  /** When each restriction lifts (sandbox clock, ms); an older state's are dated when it is loaded. */
  restrictedUntil?: Record<string, number>;
  /** After PARTNER_REMOVED the sandbox's app loses access to the WABA. */
  partnerRemoved: boolean;
  subscribedApp?: { overrideCallbackUri?: string };
}

/** The physical number, which outlives its phone_number_id: a deleted and re-added number keeps its two-step PIN. */
export interface Line {
  e164: string;
  ivr: boolean;
  pin?: string;
  deletedAt?: number;
}

export interface PendingOtp {
  code: string;
  expiresAt: number;
}

export interface NameChange {
  name: string;
  status: NameStatus;
  approvedAt?: number;
}

export interface PhoneNumber {
  id: string;
  wabaId: string;
  e164: string;
  /** Bare digits, as webhook metadata shows the number. */
  digits: string;
  /** Formatted, as GET shows the number, e.g. "+1 415-555-2671". */
  display: string;
  status: NumberStatus;
  everConnected: boolean;
  /** Bumped by register/deregister/delete so a scheduled CONNECTED transition from an older register is void. */
  connectGeneration: number;
  verifiedAt?: number;
  otp?: PendingOtp;
  otpRequests: number[];
  registerCalls: number[];
  verifiedName: string;
  nameStatus: NameStatus;
  nameChange?: NameChange;
  nameChangeRequests: number[];
  /** Bumped by each name submission so an automatic review only decides the request it was scheduled for. */
  reviewSerial: number;
  platformType: 'CLOUD_API' | 'NOT_APPLICABLE';
  isOnBizApp: boolean;
  onboardedAt: number;
  dataLocalizationRegion?: string;
  identityKeyCheck: boolean;
  /** wa_id → the customer's current identity key hash. */
  customers: Map<string, string>;
  smbSyncs: Set<SmbSyncType>;
  lastPaidMessageAt?: number;
  /** Other /settings (calling, payload_encryption, storage_configuration) as last posted. */
  otherSettings: Record<string, Record<string, unknown>>;
}

export interface AccessToken {
  value: string;
  wabaIds: string[];
  scopes: string[];
  issuedAt: number;
  userId: string;
  /** Sandbox time of its revocation (the customer removed the app, changed a password…): 190 from then on. */
  revokedAt?: number;
}

export interface SignupCode {
  code: string;
  wabaId: string;
  expiresAt: number;
  used: boolean;
}

export interface OutboxEntry {
  phoneNumberId: string;
  e164: string;
  method: CodeMethod;
  /** 6 digits, no hyphen (the SMS reads "123-830"; verify_code takes "123830"). */
  code: string;
  /** False when an SMS went to a number behind an IVR: nobody reads it. */
  delivered: boolean;
  at: string;
}

export class SandboxStore {
  readonly portfolios = new Map<string, Portfolio>();
  readonly wabas = new Map<string, Waba>();
  readonly numbers = new Map<string, PhoneNumber>();
  readonly lines = new Map<string, Line>();
  readonly tokens = new Map<string, AccessToken>();
  readonly signupCodes = new Map<string, SignupCode>();
  readonly outbox: OutboxEntry[] = [];

  line(e164: string): Line {
    let line = this.lines.get(e164);
    if (!line) {
      line = { e164, ivr: false };
      this.lines.set(e164, line);
    }
    return line;
  }

  numbersOfWaba(wabaId: string): PhoneNumber[] {
    return [...this.numbers.values()].filter((n) => n.wabaId === wabaId);
  }

  numbersOfPortfolio(portfolioId: string): PhoneNumber[] {
    return [...this.numbers.values()].filter((n) => this.wabas.get(n.wabaId)?.portfolioId === portfolioId);
  }

  wabasOfPortfolio(portfolioId: string): Waba[] {
    return [...this.wabas.values()].filter((w) => w.portfolioId === portfolioId);
  }

  numberByE164(e164: string): PhoneNumber | undefined {
    return [...this.numbers.values()].find((n) => n.e164 === e164);
  }

  portfolioOfWaba(waba: Waba): Portfolio {
    const portfolio = this.portfolios.get(waba.portfolioId);
    if (!portfolio) throw new Error(`WABA ${waba.id} points at a missing portfolio ${waba.portfolioId}`);
    return portfolio;
  }
}
