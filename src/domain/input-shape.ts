// The journey's own look at the input it was started with. numberflow's edges (the API, the command line, bulk files,
// Embedded Signup) check a request fully before they start a journey (journey-input.ts); a journey started by hand
// (`temporal workflow start`, the Web UI) skips them. Such an input with a field missing or of another type failed
// the journey's first workflow task again and again, or took a portfolio slot for no number: the journey checks the
// shape here, with no library (this runs in workflow code), and ends FAILED naming the fields. The values themselves
// are never echoed: one may be megabytes, or a secret typed in the wrong field.
import { codeMethods, onboardingPaths, pinPolicies, type JourneyInput } from './journey.js';
import { isMessageObject, notAnObject } from './operator-input.js';
import { isBoolean, isIsoTime, isText, type Fields } from './shape.js';

/** Graph object ids (WABA, portfolio, phone number) are numeric strings. */
export const GRAPH_ID = /^\d{1,32}$/;
/** A number in E.164 form: the workflow id's part after `number:`. */
const E164 = /^\+[1-9]\d{5,14}$/;
const DIGITS = /^\d{1,15}$/;
/** A locale for Meta's code message, e.g. en_US. */
export const LOCALE = /^[a-z]{2,3}(_[A-Z]{2})?$/;

type Check = (value: unknown) => boolean;

const matches =
  (pattern: RegExp): Check =>
  (value) =>
    isText(value) && pattern.test(value);
const oneOf =
  (values: readonly string[]): Check =>
  (value) =>
    isText(value) && values.includes(value);
const textUpTo =
  (max: number): Check =>
  (value) =>
    isText(value) && value.length <= max;

/** What each field must be, in words, and the check. Required: every version of numberflow has sent them. */
const required: [field: string, rule: string, check: Check][] = [
  ['wabaId', 'a numeric Graph id in quotes', matches(GRAPH_ID)],
  ['portfolioId', 'a numeric Graph id in quotes', matches(GRAPH_ID)],
  ['displayName', 'text of at most 1,000 characters', textUpTo(1_000)],
  ['signupAt', 'a date and time (ISO 8601)', isIsoTime],
];
/** Checked when given: older versions left some of them out, and the journey fills them in. */
const optional: [field: string, rule: string, check: Check][] = [
  ['path', `one of ${onboardingPaths.join(', ')}`, oneOf(onboardingPaths)],
  ['codeMethod', `one of ${codeMethods.join(', ')}`, oneOf(codeMethods)],
  ['pinPolicy', `one of ${pinPolicies.join(', ')}`, oneOf(pinPolicies)],
  ['phoneNumberId', 'a numeric Graph id in quotes', matches(GRAPH_ID)],
  ['language', 'a locale such as en_US', matches(LOCALE)],
  ['requestedBy', 'text of at most 200 characters', textUpTo(200)],
  ['ivr', 'true or false', isBoolean],
  ['identityCheck', 'true or false', isBoolean],
  ['signupWindow', 'true or false', isBoolean],
  ['replacesMetaName', 'true or false', isBoolean],
];

/**
 * What is wrong with a journey's input, one line per field ("wabaId: must be a numeric Graph id in quotes"); none
 * for an input numberflow's edges made. `e164` is the number the workflow id names, when it names one: the input
 * must be for it.
 */
export function journeyInputProblems(input: unknown, e164: string | null): string[] {
  if (!isMessageObject(input)) return [notAnObject(input)];
  const fields = input as Fields;
  const problems: string[] = [];
  for (const [field, rule, check] of required) {
    if (fields[field] === undefined) problems.push(`${field}: is required (${rule})`);
    else if (!check(fields[field])) problems.push(`${field}: must be ${rule}`);
  }
  for (const [field, rule, check] of optional) {
    if (fields[field] !== undefined && !check(fields[field])) problems.push(`${field}: must be ${rule}`);
  }
  problems.push(...phoneNumberProblems(fields.phoneNumber, e164));
  return problems;
}

function phoneNumberProblems(value: unknown, e164: string | null): string[] {
  const which = e164 === null ? 'the number in E.164 form' : `"${e164}", as the workflow id`;
  const rule = `an object with e164 (${which}), countryCallingCode and nationalNumber (digits in quotes)`;
  if (value === undefined) return [`phoneNumber: is required (${rule})`];
  if (!isMessageObject(value)) return [`phoneNumber: must be ${rule}`];
  const number = value as Fields;
  const fits =
    (e164 === null ? matches(E164)(number.e164) : number.e164 === e164) &&
    matches(DIGITS)(number.countryCallingCode) &&
    matches(DIGITS)(number.nationalNumber);
  return fits ? [] : [`phoneNumber: must be ${rule}`];
}

/**
 * An input the journey can hold while it ends for the problems above: each field as given where it passed, a
 * harmless value where it did not (no WABA, no portfolio: nothing is asked of Meta or of a portfolio).
 */
export function inputToEndWith(input: unknown, e164: string | null, startedAt: string): JourneyInput {
  const fields = (isMessageObject(input) ? input : {}) as Fields;
  const given = <T>(field: string, check: Check, fallback: T): T =>
    check(fields[field]) ? (fields[field] as T) : fallback;
  const digits = e164 === null ? '' : e164.slice(1);
  return {
    wabaId: given('wabaId', matches(GRAPH_ID), ''),
    portfolioId: given('portfolioId', matches(GRAPH_ID), ''),
    phoneNumber: { e164: e164 ?? '', countryCallingCode: '', nationalNumber: digits },
    displayName: given('displayName', textUpTo(1_000), ''),
    path: 'cloud_api',
    codeMethod: given('codeMethod', oneOf(codeMethods), 'SMS'),
    ivr: false,
    signupAt: given('signupAt', isIsoTime, startedAt),
    signupWindow: false,
    pinPolicy: given('pinPolicy', oneOf(pinPolicies), 'generate'),
    identityCheck: false,
    language: given('language', matches(LOCALE), 'en_US'),
    requestedBy: given('requestedBy', textUpTo(200), 'unknown'),
  };
}

/** The number a journey's workflow id names (`number:<E.164>`), or null for any other id. */
export function numberOfWorkflowId(workflowId: string): string | null {
  const e164 = workflowId.startsWith('number:') ? workflowId.slice('number:'.length) : '';
  return E164.test(e164) ? e164 : null;
}
