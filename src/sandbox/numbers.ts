// Phone numbers joining and leaving a WABA: add (POST /{waba}/phone_numbers), the coexistence link made by
// Embedded Signup, and the deletion an admin does in WhatsApp Manager (Meta has no delete API, docs/meta-graph-api.md#deletion).
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { DAY, MINUTE } from './clock.js';
import { sendStatus } from './identity.js';
import { type SandboxCore, SandboxAdminError, adminNumber, adminWaba } from './core.js';
import { activeRestrictions } from './accounts.js';
import { submitInitialName } from './display-names.js';
import { GraphApiError, invalidParameter } from './graph-error.js';
import { isRegistered, type PhoneNumber, type RegisteredStatus, type Waba } from './model.js';

/** Meta blocks deletion for 30 days after a paid message and re-registration for ~5 minutes after it (docs/meta-graph-api.md#paid-message-block, #re-adding-after-deletion). */
export const PAID_MESSAGE_DELETE_BLOCK_MS = 30 * DAY;
export const DELETION_COOLDOWN_MS = 5 * MINUTE;

interface ParsedLine {
  e164: string;
  digits: string;
  display: string;
}

/** E.164 to the two forms Meta shows: bare digits (webhooks) and "+1 415-555-2671" (GET). */
function describeLine(e164: string): ParsedLine | undefined {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed?.isPossible()) return undefined;
  const international = parsed.formatInternational();
  // Meta writes NANP numbers with hyphens, like libphonenumber's reference format; other countries as is.
  const display =
    parsed.countryCallingCode === '1' ? `+1 ${international.slice(3).replaceAll(' ', '-')}` : international;
  return { e164: parsed.number, digits: parsed.number.slice(1), display };
}

/** `phone_number` may be given with or without the country calling code (docs/meta-graph-api.md#adding-a-number). */
function parseAddedNumber(cc: string, phoneNumber: string): ParsedLine | undefined {
  const digits = phoneNumber.replace(/\D/g, '');
  const withCc = digits.startsWith(cc) ? describeLine(`+${digits}`) : undefined;
  if (withCc && parsePhoneNumberFromString(withCc.e164)?.countryCallingCode === cc) return withCc;
  return describeLine(`+${cc}${digits}`);
}

export function addPhoneNumber(
  core: SandboxCore,
  waba: Waba,
  input: { cc: string; phoneNumber: string; verifiedName: string },
): PhoneNumber {
  if (activeRestrictions(core, waba).includes('RESTRICTED_ADD_PHONE_NUMBER_ACTION')) {
    throw new GraphApiError(200000, 'The WhatsApp Business Account is restricted from adding phone numbers');
  }
  const line = parseAddedNumber(input.cc, input.phoneNumber);
  if (!line) throw invalidParameter(`phone_number is not a possible number for country calling code +${input.cc}`);
  const refusal = joinRefusal(core, waba, line.e164);
  if (refusal) throw new GraphApiError(200000, refusal);
  const number = createNumber(core, waba, line, input.verifiedName);
  submitInitialName(core, number);
  return number;
}

/**
 * ⚠ docs/sandbox-assumptions.md#registered-number-cap: Meta does not document the cap's code or when it bites. The cap is on *registered* numbers (Meta:
 * "capped at 2 registered business phone numbers"), so the sandbox counts the portfolio's CONNECTED numbers and
 * refuses an add once they have reached the cap, with 200000. A number added but never registered holds no slot.
 */
function joinRefusal(core: SandboxCore, waba: Waba, e164: string): string | undefined {
  const existing = core.store.numberByE164(e164);
  if (existing && existing.wabaId !== waba.id) {
    return `The phone number ${e164} is already registered on another WhatsApp Business Account: delete it there first`;
  }
  if (existing) return `The phone number ${e164} is already on this WhatsApp Business Account as ${existing.id}`;
  const portfolio = core.store.portfolioOfWaba(waba);
  const registered = core.store.numbersOfPortfolio(portfolio.id).filter(isRegistered).length;
  if (registered >= portfolio.maxPhoneNumbers) {
    return `The business portfolio reached its limit of ${portfolio.maxPhoneNumbers} registered phone numbers`;
  }
  return undefined;
}

function createNumber(core: SandboxCore, waba: Waba, line: ParsedLine, verifiedName: string): PhoneNumber {
  const number: PhoneNumber = {
    id: core.random.stream('ids').graphId(),
    wabaId: waba.id,
    ...line,
    status: 'PENDING',
    everConnected: false,
    connectGeneration: 0,
    otpRequests: [],
    registerCalls: [],
    verifiedName,
    nameStatus: 'PENDING_REVIEW',
    nameChangeRequests: [],
    reviewSerial: 0,
    platformType: 'NOT_APPLICABLE',
    isOnBizApp: false,
    onboardedAt: core.clock.now(),
    identityKeyCheck: false,
    customers: new Map(),
    smbSyncs: new Set(),
    otherSettings: {},
  };
  core.store.numbers.set(number.id, number);
  core.store.line(line.e164);
  return number;
}

/**
 * A WhatsApp Business App number linked through Embedded Signup (docs/meta-graph-api.md#coexistence): already registered and
 * CONNECTED on the Cloud API, its code verified by the app and its name already the app's.
 */
export function linkCoexistenceNumber(
  core: SandboxCore,
  input: { wabaId: string; e164: string; verifiedName: string },
): { phoneNumberId: string } {
  const waba = adminWaba(core, input.wabaId);
  const line = describeLine(input.e164);
  if (!line) throw new SandboxAdminError(`${input.e164} is not a possible phone number in E.164`);
  const refusal = joinRefusal(core, waba, line.e164);
  if (refusal) throw new SandboxAdminError(refusal);
  const number = createNumber(core, waba, line, input.verifiedName);
  Object.assign(number, {
    status: 'CONNECTED',
    everConnected: true,
    verifiedAt: core.clock.now(),
    nameStatus: 'APPROVED',
    platformType: 'CLOUD_API',
    isOnBizApp: true,
  } satisfies Partial<PhoneNumber>);
  return { phoneNumberId: number.id };
}

/** A paid (billable) message went out: its status webhook carries the pricing block. */
export function recordPaidMessage(core: SandboxCore, phoneNumberId: string, waId = '15550001234'): void {
  sendStatus(core, phoneNumberId, waId, { billable: true });
}

/** The number leaves the WABA and its id stops resolving; the line keeps its two-step PIN for a later re-add. */
export function deleteNumber(core: SandboxCore, phoneNumberId: string): void {
  const number = adminNumber(core, phoneNumberId);
  const now = core.clock.now();
  if (number.lastPaidMessageAt !== undefined && now - number.lastPaidMessageAt < PAID_MESSAGE_DELETE_BLOCK_MS) {
    const until = new Date(number.lastPaidMessageAt + PAID_MESSAGE_DELETE_BLOCK_MS).toISOString();
    throw new SandboxAdminError(
      `${number.e164} sent a paid message in the last 30 days and cannot be deleted before ${until}`,
    );
  }
  core.store.numbers.delete(number.id);
  core.store.line(number.e164).deletedAt = now;
}

/** Meta limits a registered number (FLAGGED, RESTRICTED, RATE_LIMITED, BANNED), or lifts it (CONNECTED). */
export function setNumberStatus(core: SandboxCore, phoneNumberId: string, status: RegisteredStatus): void {
  const number = adminNumber(core, phoneNumberId);
  if (!isRegistered(number)) {
    throw new SandboxAdminError(
      `phone number ${phoneNumberId} is not registered (${number.status}): Meta limits only a registered one`,
    );
  }
  number.status = status;
}

export function markIvr(core: SandboxCore, e164: string): void {
  core.store.line(requireE164(e164)).ivr = true;
}

/** The line already has two-step verification with this PIN (as after a delete and re-add). */
export function presetTwoStepPin(core: SandboxCore, e164: string, pin: string): void {
  if (!/^\d{6}$/.test(pin)) throw new SandboxAdminError('a two-step PIN has 6 digits');
  core.store.line(requireE164(e164)).pin = pin;
}

/** The PIN the line's two-step verification holds (what a phone's owner would know), if any. */
export function twoStepPin(core: SandboxCore, e164: string): string | undefined {
  return core.store.line(requireE164(e164)).pin;
}

function requireE164(e164: string): string {
  const line = describeLine(e164);
  if (!line) throw new SandboxAdminError(`${e164} is not a possible phone number in E.164`);
  return line.e164;
}
