// Checks of what operators type, shared by update validators (workflow) and the HTTP edge. Pure functions.
import { validateDisplayName, type DisplayNameRuleOptions } from './display-name.js';

/** Whether a message's argument is a JSON object (what every handler reads its fields from). */
export function isMessageObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a message that is not a JSON object is refused or dropped (the journey's note, the audit's outcome). */
export function notAnObject(value: unknown): string {
  const got =
    value === undefined ? 'no input' : value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  return `its input must be a JSON object, got ${got}`;
}

/** Refuses a value sent as another type than text (a number, by hand): `what` must be 6 digits in quotes. */
function refuseUnlessText(input: unknown, what: string, example: string): void {
  if (typeof input !== 'string' && input !== undefined && input !== null) {
    throw new Error(`${what} must be text (6 digits in quotes, e.g. "${example}"), not a ${typeof input}`);
  }
}

const DECIMAL_DIGIT = /\p{Nd}/u;

/**
 * Decimal digits of any script as ASCII (Arabic-Indic ١٢٣, Devanagari १२३, full-width １２３): an operator types the
 * code Meta sent on the keyboard at hand. Read at the edges only (the API, the command line): the journey's own
 * check of a code stays as its recorded histories replay it. Unicode encodes decimal digits in runs of ten, zero
 * first, some runs back to back: a digit's value is its place in its run of digits, modulo ten.
 */
export function asciiDigits(text: string): string {
  return text.replace(/(?![0-9])\p{Nd}/gu, (digit) => {
    const at = digit.codePointAt(0) ?? 0;
    let zero = at;
    while (at - zero < 60 && DECIMAL_DIGIT.test(String.fromCodePoint(zero - 1))) zero -= 1;
    return String((at - zero) % 10);
  });
}

/** Meta's code arrives as "123-830"; Graph wants the six digits without the hyphen. */
export function normaliseOtp(input: unknown): string {
  refuseUnlessText(input, 'the code', '123830');
  if (typeof input !== 'string' || input.trim() === '') throw new Error('the code is empty');
  const code = input.trim().replace(/^(\d{3})[-\s](\d{3})$/, '$1$2');
  if (!/^\d+$/.test(code)) throw new Error('the code must be 6 digits, e.g. 123830 or 123-830');
  if (code.length !== 6) throw new Error(`the code must be 6 digits, got ${code.length}`);
  return code;
}

/**
 * When an input says it was submitted (`submittedAt`, stamped by the service or the CLI), as epoch ms; undefined when
 * it says nothing. A value that is not an ISO 8601 time is refused: a client that sends one sends it right.
 */
export function checkSubmittedAt(input: unknown): number | undefined {
  if (input === undefined) return undefined;
  // With its zone (Z or an offset): one without is read in the worker's own, which replay on another could not repeat.
  const zoned = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
  const at = typeof input === 'string' && zoned.test(input) ? Date.parse(input) : NaN;
  if (!Number.isFinite(at)) {
    throw new Error('submittedAt must be an ISO 8601 time with its zone, e.g. 2026-12-07T21:30:00.000Z');
  }
  return at;
}

export function checkPin(input: unknown): string {
  refuseUnlessText(input, 'the PIN', '135790');
  if (typeof input !== 'string' || input === '') throw new Error('the PIN is empty');
  if (!/^\d{6}$/.test(input)) throw new Error('the two-step PIN must be exactly 6 digits');
  return input;
}

/** The display-name rule (display-name.ts), throwing for an update validator; answers the normalised name. */
export function checkDisplayName(input: unknown, options: DisplayNameRuleOptions = {}): string {
  const checked = validateDisplayName(input, options);
  if (!checked.ok) throw new Error(`the display name ${checked.problem}`);
  return checked.name;
}

/**
 * Control characters (line breaks, terminal escapes), Unicode line separators and bidirectional overrides in a
 * recorded text would reach an operator's terminal as they are: `show` and the exports print actors and reasons. A
 * surrogate without its pair (JSON's "\ud800") is no character at all: kept, every later view of it is JSON a strict
 * reader refuses, and the audit and the log show U+FFFD.
 */
export const CONTROL_CHARACTER = /[\p{Cc}\p{Cs}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/**
 * CONTROL_CHARACTER as it was before a surrogate without its pair joined it: what a journey's signal handlers judged a
 * person's words by, and replay by (workflows/journey/handlers.ts asks a patch before it drops a signal for half a
 * character).
 */
export const CONTROL_CHARACTER_BEFORE_HALVES = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/** The characters a recorded text may not hold, each of them. */
const CONTROL_CHARACTERS = new RegExp(CONTROL_CHARACTER.source, 'gu');

/**
 * Control characters, and the characters that reorder text (bidi controls, line and paragraph separators), written
 * as \xNN or \uNNNN so that a terminal shows, not obeys, them; line breaks and tabs kept in `multiline` text (a
 * message), shown too in a one-line value (a reason recorded before it was checked; a name Meta holds, which no
 * rule of numberflow's checked: a customer's app may have set it).
 */
export function visibleControls(text: string, multiline = true): string {
  return text.replace(CONTROL_CHARACTERS, (c) => {
    if (multiline && (c === '\n' || c === '\t')) return c;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

export function checkActor(input: unknown): string {
  if (typeof input !== 'string' || input.trim() === '') throw new Error('who is acting must be given (actor)');
  if (input.length > 200) throw new Error('actor is too long');
  return input.trim();
}

/**
 * An update's actor, for its validator only (validators never replay: signals and handlers took such actors before,
 * and replay so): one line of text, as a reason, so that no note, view or terminal shows an escape it carried.
 */
export function checkNewActor(input: unknown, controls = CONTROL_CHARACTER): void {
  checkActor(input);
  if (controls.test((input as string).trim())) {
    throw new Error('the actor must be one line of text, without control characters (line breaks, escapes)');
  }
}

/** How a note or the audit names a sender who gave no actor. */
export const NO_ACTOR = '(no actor given)';
/** How a note or the audit names a sender whose actor an update refuses (sent by hand: many lines, thousands of characters). */
export const REFUSED_ACTOR = '(actor refused)';

/**
 * Whom a journey's notes name for a message's sender (and the audit matches them by): its actor, trimmed, or a
 * placeholder when it gave none or one an update refuses — which a note would otherwise keep in the journey's state
 * and every view.
 */
export function notedActor(actor: unknown): string {
  if (typeof actor !== 'string' || actor.trim() === '') return NO_ACTOR;
  try {
    checkNewActor(actor);
    return actor.trim();
  } catch {
    return REFUSED_ACTOR;
  }
}

/** Why a person acts, where it must be recorded (a PIN reveal, a cancel, a removal). */
export function checkReason(input: unknown, controls = CONTROL_CHARACTER): string {
  if (typeof input !== 'string' || input.trim() === '') throw new Error('a reason must be given');
  if (input.length > 500) throw new Error('the reason is too long (500 characters at most)');
  if (controls.test(input.trim())) {
    throw new Error('the reason must be one line of text, without control characters (line breaks, escapes)');
  }
  return input.trim();
}
