import { parsePhoneNumberWithError, ParseError } from 'libphonenumber-js/max';
import { WA_ID } from './identity.js';

/** A phone number in E.164 with the parts Meta's add-number call wants (cc, national number). */
export interface PhoneNumber {
  e164: string;
  countryCallingCode: string;
  nationalNumber: string;
}

export class InvalidPhoneNumberError extends Error {
  override readonly name = 'InvalidPhoneNumberError';
}

/**
 * Meta's test numbers (generated with a developer app) are +1 555 and seven digits. 555 is not an area code in
 * service in the North American plan, so libphonenumber calls them invalid and no real number is let through.
 */
const META_TEST_NUMBER = /^1555\d{7}$/;

export interface ParseOptions {
  /** Accept a Meta test number (the caller has its phone_number_id, so Meta vouches for it). */
  metaTestNumber?: boolean;
}

/**
 * What a number is written with: digits (any script's), spaces, dashes of any kind (an editor's en dash, a soft
 * hyphen), and . ( ) / between them, full-width ones too.
 */
const WRITTEN_WITH = /[\p{Nd}\p{Zs}\p{Pd}\u00AD.()/\uFF08\uFF09\uFF0E\uFF0F]/gu;

/**
 * Marks a number copied from a phone's contact or a web page often comes with, which carry no character of their
 * own: zero-width spaces and joiners, word joiners and a BOM anywhere; direction marks, embeddings, overrides and
 * isolates only around it. Inside the digits a direction control reorders what is shown (an override shows
 * +1 820 … for +1 368 …): left there, and refused as more than a number.
 */
const ZERO_WIDTH = /[\u200B-\u200D\u2060-\u2064\uFEFF]/g;
const DIRECTION = '[\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069]';
const AROUND = new RegExp(`^(?:${DIRECTION}|\\s)+|(?:${DIRECTION}|\\s)+$`, 'gu');

/**
 * The input as an error quotes it: at most 40 characters (a pasted paragraph would fill the screen and the log), its
 * invisible marks and line separators written out (\u200b), as JSON writes control characters: seen, not obeyed.
 */
function quote(input: string): string {
  const chars = [...input];
  const quoted = JSON.stringify(chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : input);
  return quoted.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * A number without what people's ways of writing it add (ZERO_WIDTH, DIRECTION): a full-width plus, the country
 * code in brackets ("(+44) 20 …"), tabs between groups, and the white space around it. Also a customer's wa_id's
 * (readWaId, below).
 */
export function writtenPlainly(input: string): string {
  return input
    .replace(ZERO_WIDTH, '')
    .replace(AROUND, '')
    .replaceAll('\uFF0B', '+')
    .replaceAll('\t', ' ')
    .replace(/^[(\uFF08](\+\d{1,3})[)\uFF09]/, '$1 ');
}

/**
 * Parses a number given in international form ("+14155552671", "+1 (415) 555-2671") and requires it to be
 * a valid, dialable number for its country — Meta refuses anything else at add time, after a round trip.
 */
export function parsePhoneNumber(input: string, options: ParseOptions = {}): PhoneNumber {
  const trimmed = writtenPlainly(input);
  const quoted = quote(input);
  if (!trimmed.startsWith('+')) {
    throw new InvalidPhoneNumberError(
      `${quoted} is not in international form: start with + and the country calling code, e.g. +14155552671`,
    );
  }
  let parsed;
  try {
    parsed = parsePhoneNumberWithError(trimmed);
  } catch (err) {
    const reason = err instanceof ParseError ? err.message : String(err);
    throw new InvalidPhoneNumberError(`${quoted} is not a phone number (${reason.toLowerCase().replaceAll('_', ' ')})`);
  }
  // A WhatsApp number is one line: an extension behind a switchboard cannot receive Meta's code.
  if (parsed.ext) {
    throw new InvalidPhoneNumberError(
      `${quoted} has an extension (${parsed.ext}); a WhatsApp number is a line of its own: give it without one`,
    );
  }
  // The library reads a number out of a longer text ("+14155556119abc", "+1 415 555 2764 (mobile)"): what is more
  // than digits and the marks numbers are written with is refused, not dropped without a word.
  const extra = trimmed.slice(1).replace(WRITTEN_WITH, '');
  if (extra !== '') {
    throw new InvalidPhoneNumberError(
      `${quoted} holds more than a phone number (${quote(extra)}): give the number alone, in digits`,
    );
  }
  if (!parsed.isValid()) {
    const test = META_TEST_NUMBER.test(`${parsed.countryCallingCode}${parsed.nationalNumber}`);
    if (test && options.metaTestNumber) {
      return { e164: parsed.number, countryCallingCode: '1', nationalNumber: parsed.nationalNumber };
    }
    if (test) {
      throw new InvalidPhoneNumberError(
        `${quoted} is one of Meta's test numbers (+1 555 …); test numbers are adopted by their phone_number_id: give phoneNumberId`,
      );
    }
    throw new InvalidPhoneNumberError(
      `${quoted} is not a valid number for country calling code +${parsed.countryCallingCode}`,
    );
  }
  return {
    e164: parsed.number,
    countryCallingCode: parsed.countryCallingCode,
    nationalNumber: parsed.nationalNumber,
  };
}

/**
 * Lines that as a rule receive no SMS: landlines, toll-free, shared-cost and universal-access numbers, as the
 * numbering plan says (a US or Canadian geographic number, which may be either, is not one of them; +1 800 is). Meta's code goes to them by
 * voice unless the caller chose SMS.
 */
const NO_SMS_LINES = new Set(['FIXED_LINE', 'TOLL_FREE', 'SHARED_COST', 'UAN']);

/** Whether a valid number's plan says it is a line that receives no SMS (NO_SMS_LINES). */
export function receivesNoSms(e164: string): boolean {
  try {
    return NO_SMS_LINES.has(parsePhoneNumberWithError(e164).getType() ?? '');
  } catch {
    return false; // a Meta test number, say: its kind is not known
  }
}

// A customer's wa_id as a person types it: their WhatsApp number, country code first, written as people write
// numbers (+1 415-555 0100) or as Meta gives it (14155550100). Digits alone were taken before, and +1… refused.
// Its digits are kept as typed, never made "possible" for their country: Meta's wa_ids are not always E.164's
// digits (Mexico's 521…, Argentina's 549…), and identity records are keyed by Meta's.

/** The marks a number is written with besides its digits: spaces (no-break too), brackets, dots, dashes. */
const WA_ID_WRITTEN_WITH = /[\s().\-\u2010\u2011\u2013]/g;

const WA_ID_WORDS = "must be the customer's wa_id: their WhatsApp number, country code first (e.g. +1 555 123 4567)";

/** The wa_id typed, as digits; or what is wrong with it, in words that follow the field's name. */
export function readWaId(typed: string): { waId: string } | { problem: string } {
  const digits = writtenPlainly(typed).replace(/^\+/, '').replace(WA_ID_WRITTEN_WITH, '');
  if (!/^\d+$/.test(digits)) return { problem: WA_ID_WORDS };
  if (digits.startsWith('0'))
    return { problem: `${WA_ID_WORDS}; no country code begins with 0 (leave out the 00 or 0)` };
  if (!WA_ID.test(digits)) return { problem: `${WA_ID_WORDS}; 5 to 20 digits, got ${digits.length}` };
  return { waId: digits };
}
