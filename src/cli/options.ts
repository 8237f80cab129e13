// The command line's options and arguments with a closed set of values, declared once for every command:
// commander refuses anything else with the allowed values before a command runs.
import { resolve } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { readWaId } from '../domain/phone.js';
import { GRAPH_ID } from '../domain/journey-input.js';
import { codeMethods } from '../domain/journey.js';
import { removalRoles } from '../domain/messages.js';
import { CONTROL_CHARACTER } from '../domain/operator-input.js';
import { machineUser } from '../machine-user.js';
import { parsePhoneNumber } from '../domain/phone.js';
import { journeyOutcomes, journeyStages } from '../domain/stages.js';

/**
 * A journey's number; Meta's test numbers too, since a journey for one exists only by its phone_number_id. Its
 * workflow id (`number:+1…`, as `list` and the Web UI show it) names the number as well.
 */
export function e164Argument(value: string): string {
  try {
    return parsePhoneNumber(value.replace(/^number:/, ''), { metaTestNumber: true }).e164;
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * A file named on the command line, from the folder the command was typed in: `npm run numberflow` runs the command
 * line in the project's folder, and names the caller's in INIT_CWD (a file beside the caller was looked for in the
 * project's). Only for that script: INIT_CWD is inherited by whatever an npm script starts.
 */
export function callerPath(value: string): string {
  const { INIT_CWD, npm_lifecycle_event } = process.env;
  return resolve(npm_lifecycle_event === 'numberflow' && INIT_CWD ? INIT_CWD : process.cwd(), value);
}

/** A customer's wa_id, checked before anything runs (as digits: +1 555 123 4567 is 15551234567). */
export function waIdArgument(value: string): string {
  const read = readWaId(value);
  if ('problem' in read) throw new InvalidArgumentError(read.problem);
  return read.waId;
}

export function graphIdArgument(value: string): string {
  if (!GRAPH_ID.test(value)) throw new InvalidArgumentError('must be a numeric Graph id');
  return value;
}

export const graphIdOption = (flags: string, description: string): Option =>
  new Option(flags, description).argParser(graphIdArgument);

/** A Graph id option given once per value (--phone-number-id 1 --phone-number-id 2). */
export const graphIdListOption = (flags: string, description: string): Option =>
  new Option(flags, description).argParser((value: string, previous: string[] | undefined) => [
    ...(previous ?? []),
    graphIdArgument(value),
  ]);

/**
 * Who acts when `--by` is not given: the operating system's user, as the environment names it or else as the system
 * does (a process started without USER, by a service manager or a container, was recorded as "cli").
 */
export function defaultActor(env: NodeJS.ProcessEnv = process.env, systemUser?: () => string): string {
  return machineUser(env, systemUser) || 'cli';
}

/** `--by`: recorded in history and printed to operators' terminals, so one line without control characters. */
export const actorOption = (description = 'who acts (recorded in history)'): Option =>
  new Option('--by <actor>', description).default(defaultActor()).argParser((value: string) => {
    if (CONTROL_CHARACTER.test(value)) throw new InvalidArgumentError('one line of text, without control characters');
    if (value.trim() === '') throw new InvalidArgumentError('who acts must be named, e.g. --by you@acme');
    return value;
  });

export const methodOption = (description: string): Option =>
  new Option('--method <method>', description).choices(codeMethods);

const stagesAndOutcomes = [...journeyStages, ...journeyOutcomes];

/** Stages name running journeys; outcomes the ended ones (the search attribute keeps the last value). */
export const stageOption = (): Option =>
  new Option('--stage <stage>', 'a stage or an outcome, e.g. AWAITING_OTP, LIVE, FAILED').choices(stagesAndOutcomes);

/** Where `watch` stops: a stage the journey reaches, or how it ends. */
export const untilOption = (): Option =>
  new Option(
    '--until <stage>',
    'stop (exit 0) once the journey reaches this stage (or goes through it between two reads) or outcome, e.g. LIVE',
  ).choices(stagesAndOutcomes);

/** Who may remove is the journey's decision (removalRoles); anyone else says so as an operator. */
export const roleOption = (): Option =>
  new Option('--role <role>', 'your role on the portfolio').choices([...removalRoles, 'operator']).default('operator');
