import { parsePhoneNumberWithError, ParseError } from 'libphonenumber-js/max';

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
 * Marks that carry no character of their own (zero-width spaces, direction marks and overrides, word joiners, a
 * BOM): a number copied from a phone's contact or a web page often comes wrapped in them. Taken out before reading.
 */
const INVISIBLE = /\p{Cf}/gu;

/**
 * The input as an error quotes it: at most 40 characters (a pasted paragraph would fill the screen and the log), its
 * invisible marks and line separators written out (\u200b), as JSON writes control characters: seen, not obeyed.
 */
function quote(input: string): string {
  const chars = [...input];
  const quoted = JSON.stringify(chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : input);
  return quoted.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The number without what people's ways of writing it add around its + (see INVISIBLE): a full-width plus, the
 * country code in brackets ("(+44) 20 …"), tabs between groups.
 */
function writtenPlainly(input: string): string {
  return input
    .replace(INVISIBLE, '')
    .replaceAll('\uFF0B', '+')
    .replaceAll('\t', ' ')
    .trim()
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
