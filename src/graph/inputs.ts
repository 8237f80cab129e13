// Checks numberflow runs before a Graph call, so a bad value fails here with a clear message instead of after a
// round trip (and, for the OTP, instead of spending one of Meta's attempts). Messages never repeat a secret.
import { checkDisplayName, checkPin, normaliseOtp } from '../domain/operator-input.js';
import type { GraphErrorClass } from './errors.js';

/** numberflow refused to send a call: the input is wrong, retrying cannot help. */
export class GraphInputError extends Error {
  override readonly name = 'GraphInputError';
  readonly errorClass: GraphErrorClass = 'permanent';
  constructor(
    message: string,
    readonly endpoint?: string,
  ) {
    super(endpoint ? `${endpoint}: ${message}` : message);
  }
}

/** Where Meta may store a registered number's data locally (docs/meta-graph-api.md#registration). */
export const DATA_LOCALIZATION_REGIONS = [
  'AU',
  'ID',
  'IN',
  'JP',
  'SG',
  'KR',
  'DE',
  'CH',
  'GB',
  'BR',
  'BH',
  'ZA',
  'AE',
  'CA',
] as const;
export type DataLocalizationRegion = (typeof DATA_LOCALIZATION_REGIONS)[number];

export { codeMethods as CODE_METHODS, type CodeMethod } from '../domain/journey.js';

/** Graph ids are numeric strings; checking them also keeps a stray "/" or "?" out of the request path. */
export function checkGraphId(value: string, what: string, endpoint: string): string {
  if (!/^\d{1,32}$/.test(value)) throw new GraphInputError(`${what} must be a numeric Graph id`, endpoint);
  return value;
}

export function checkApiVersion(value: string): string {
  if (!/^v\d+\.\d+$/.test(value)) {
    throw new GraphInputError(`apiVersion must look like v23.0 (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** Accepts the code as Meta delivers it ("123-830") and returns the six digits verify_code wants. */
export function checkOtp(code: string, endpoint: string): string {
  return reword(() => normaliseOtp(code), endpoint);
}

export function checkTwoStepPin(pin: string, endpoint: string): string {
  return reword(() => checkPin(pin), endpoint);
}

/** verified_name and new_display_name: the same rule as every other path that takes a name. */
export function checkVerifiedName(name: string, endpoint: string): string {
  // As journeys took it: a rule added at the edges since (U+FFFD) never fails a journey already running.
  return reword(() => checkDisplayName(name, { asRecorded: true }), endpoint);
}

export function checkOneOf<const T extends readonly string[]>(
  value: string,
  allowed: T,
  what: string,
  endpoint: string,
): T[number] {
  if (!isOneOf(value, allowed)) throw new GraphInputError(`${what} must be one of ${allowed.join(', ')}`, endpoint);
  return value;
}

function isOneOf<const T extends readonly string[]>(value: string, allowed: T): value is T[number] {
  return (allowed as readonly string[]).includes(value);
}

export function checkText(value: string, what: string, endpoint: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new GraphInputError(`${what} is empty`, endpoint);
  return value.trim();
}

/** Locales as Meta writes them: "en", "en_US", "pt_BR". */
export function checkLanguage(value: string, endpoint: string): string {
  if (!/^[a-z]{2,3}(_[A-Z]{2})?$/.test(value)) {
    throw new GraphInputError('language must be a locale such as en_US or en', endpoint);
  }
  return value;
}

function reword(check: () => string, endpoint: string): string {
  try {
    return check();
  } catch (err) {
    throw new GraphInputError(err instanceof Error ? err.message : 'invalid input', endpoint);
  }
}
