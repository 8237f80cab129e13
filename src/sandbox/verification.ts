// Proving control of the number (docs/meta-graph-api.md#requesting-a-code, #verifying-the-code): request_code sends a 6-digit code by SMS or voice to the
// sandbox's outbox (the simulated phone); verify_code checks it. VERIFIED lasts 14 days, then reads EXPIRED.
import { DAY, HOUR, withinWindow } from './clock.js';
import type { SandboxCore } from './core.js';
import { GraphApiError } from './graph-error.js';
import type { CodeMethod, CodeVerificationStatus, OutboxEntry, PhoneNumber } from './model.js';

const VERIFIED_FOR_MS = 14 * DAY;
/**
 * ⚠ Meta documents no request_code limit (docs/sandbox-assumptions.md#code-requests). The sandbox allows 5 codes per number in a moving hour and
 * answers the 6th with 136024 "too many requests", which is how Meta's 136024 is seen in practice.
 */
const CODE_REQUESTS_PER_HOUR = 5;

export function codeVerificationStatus(number: PhoneNumber, now: number): CodeVerificationStatus {
  if (number.verifiedAt === undefined) return 'NOT_VERIFIED';
  return now - number.verifiedAt < VERIFIED_FOR_MS ? 'VERIFIED' : 'EXPIRED';
}

/** A new request replaces the code in flight. SMS never reaches a number behind an IVR; a voice call does. */
export function requestCode(core: SandboxCore, number: PhoneNumber, method: CodeMethod): OutboxEntry {
  const now = core.clock.now();
  number.otpRequests = withinWindow(number.otpRequests, now, HOUR);
  if (number.otpRequests.length >= CODE_REQUESTS_PER_HOUR) {
    throw new GraphApiError(136024, 'too many requests: at most 5 codes per hour, try again later');
  }
  number.otpRequests.push(now);
  const code = core.random.stream('codes').digits(6);
  number.otp = { code, expiresAt: now + core.settings.otpTtlMs };
  const entry: OutboxEntry = {
    phoneNumberId: number.id,
    e164: number.e164,
    method,
    code,
    delivered: !(method === 'SMS' && core.store.line(number.e164).ivr),
    at: new Date(now).toISOString(),
  };
  core.store.outbox.push(entry);
  forgetOldCodes(core);
  return entry;
}

/**
 * Past `outboxKept` codes (a persisted sandbox's bound), the oldest go but each number's latest and latest delivered
 * (the one the phone shows, when a newer one did not reach an IVR line).
 */
export function forgetOldCodes(core: SandboxCore): void {
  const { outbox } = core.store;
  let over = outbox.length - (core.settings.outboxKept ?? Infinity);
  if (over <= 0) return;
  const latest = new Set([
    ...new Map(outbox.map((e, i) => [e.phoneNumberId, i])).values(),
    ...new Map(outbox.flatMap((e, i) => (e.delivered ? [[e.phoneNumberId, i] as const] : []))).values(),
  ]);
  const kept = outbox.filter((_, i) => latest.has(i) || over-- <= 0);
  outbox.splice(0, outbox.length, ...kept);
}
export function verifyCode(core: SandboxCore, number: PhoneNumber, code: string): void {
  const now = core.clock.now();
  const otp = number.otp;
  if (!otp) throw new GraphApiError(136025, 'no code was requested for this number: request a code first');
  if (now >= otp.expiresAt) throw new GraphApiError(136025, 'code expired: request a new code');
  if (otp.code !== code) throw new GraphApiError(136025, 'code mismatch');
  number.otp = undefined;
  number.verifiedAt = now;
}

/** One number's codes, by its id or its E.164 form. */
export interface OutboxFilter {
  phoneNumberId?: string;
  e164?: string;
}

/** The codes sent, oldest first (of one number when a filter names it); copies, so the store stays as it is. */
export function outbox(core: SandboxCore, filter: OutboxFilter = {}): OutboxEntry[] {
  const { phoneNumberId, e164 } = filter;
  return core.store.outbox
    .filter((e) => (!phoneNumberId || e.phoneNumberId === phoneNumberId) && (!e164 || e.e164 === e164))
    .map((e) => ({ ...e }));
}

export function latestCode(core: SandboxCore, phoneNumberId: string): string | undefined {
  return outbox(core, { phoneNumberId })
    .filter((e) => e.delivered)
    .at(-1)?.code;
}
