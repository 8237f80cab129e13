// What the portfolio takes from a signal. Journeys, the webhook router and the command line send well-formed ones; a
// signal sent by hand (`temporal workflow signal`, the Web UI) may carry anything, and one the portfolio's handler
// could not read failed its workflow task for ever — every journey of the portfolio stopped being admitted or let go.
// Each check names what is wrong, never echoing a value; the portfolio notes the signal and drops it.
import { isMessageObject, notAnObject } from './operator-input.js';
import { isBoolean, isIsoTime, isText, type Fields } from './shape.js';

/** A slot's number, as journeys send it (the acquireSlot update's validator says the same). */
export const SLOT_E164 = /^\+\d{6,15}$/;

/** A field's rule in words, and its check; `optional` fields are checked only when given (older senders left them out). */
type Rule = [field: string, words: string, check: (value: unknown) => boolean, optional?: 'optional'];

const isNumber = (value: unknown) => typeof value === 'string' && SLOT_E164.test(value);
const isCount = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 0;
const e164: Rule = ['e164', 'a number in E.164 form', isNumber];

const rules = {
  requestSlot: [
    e164,
    ['workflowId', 'the asking journey’s workflow id', (v) => isText(v) && v !== ''],
    ['runId', 'text', isText, 'optional'],
    ['wabaId', 'text', isText, 'optional'],
    ['firstRunId', 'text', isText, 'optional'],
    ['registered', 'true or false', isBoolean, 'optional'],
  ],
  releaseSlot: [
    e164,
    ['runId', 'text', isText, 'optional'],
    ['firstRunId', 'text', isText, 'optional'],
    ['stillRegistered', 'true or false', isBoolean, 'optional'],
    ['capRefusedAt', 'a count', isCount, 'optional'],
    ['capRefusedWhen', 'a date and time', isIsoTime, 'optional'],
  ],
  capRefused: [
    e164,
    ['runId', 'text', isText],
    ['registered', 'a count', isCount],
    ['at', 'a date and time', isIsoTime, 'optional'],
  ],
  // Its cap is read by the handler, which ignores one that is not a count (as it always has).
  capabilityUpdate: [],
} satisfies Record<string, Rule[]>;

export type CheckedSignal = keyof typeof rules;

/** Why the portfolio cannot take this signal's input, or null when it can. */
export function portfolioSignalProblem(signal: CheckedSignal, input: unknown): string | null {
  if (!isMessageObject(input)) return notAnObject(input);
  const fields = input as Fields;
  const problems = (rules[signal] as Rule[])
    .filter(([field, , check, optional]) => !(optional && fields[field] === undefined) && !check(fields[field]))
    .map(([field, words]) => `${field} must be ${words}`);
  return problems.length === 0 ? null : problems.join('; ');
}
