// A customer's wa_id as a person types it: their WhatsApp number, country code first, written as people write
// numbers (+1 415-555 0100). Meta's wa_id is its digits. Digits alone were taken before, so a national number
// (4155550100, read as +41 …) or one with 00 in front went to a stranger, while +1… was refused.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { WA_ID } from './identity.js';

/** The marks a number is written with besides its digits: spaces (no-break too), brackets, dots, dashes. */
const WRITTEN_WITH = /[\s().\-\u2010\u2011\u2013]/g;

const WORDS = "must be the customer's wa_id: their WhatsApp number, country code first (e.g. +1 555 123 4567)";

/** The wa_id typed, as digits; or what is wrong with it, in words that follow the field's name. */
export function readWaId(typed: string): { waId: string } | { problem: string } {
  // Invisible marks (a copied contact's direction marks, a zero-width space) carry no digit: taken out first.
  const digits = typed
    .replace(/\p{Cf}/gu, '')
    .trim()
    .replace(/^\+/, '')
    .replace(WRITTEN_WITH, '');
  if (!/^\d+$/.test(digits)) return { problem: WORDS };
  if (digits.startsWith('0')) return { problem: `${WORDS}; no country code begins with 0 (leave out the 00 or 0)` };
  if (!WA_ID.test(digits) || parsePhoneNumberFromString(`+${digits}`)?.isPossible() !== true) {
    return { problem: `${WORDS}; +${digits} is no possible number (is its country code missing?)` };
  }
  return { waId: digits };
}
