// Who sent a request to Temporal, as Temporal records it beside each update, signal and cancel request in history:
// numberflow's processes name themselves, so that an auditor reads which way a person's action came — the HTTP
// service (whose principal is the actor), the command line in direct mode (whose actor is typed text: the machine's
// user says who typed it), or a client outside numberflow such as the Temporal CLI.
import { hostname } from 'node:os';
import { machineUser, systemUserOr } from '../machine-user.js';

export type ClientRole = 'service' | 'worker' | 'cli';

/** How much of the user's name an identity carries: Temporal refuses an identity past 1,000 characters. */
const USER_KEPT = 64;

/**
 * `numberflow-<role>:<user>@<host>:<pid>`, as the Temporal CLI's `temporal-cli:<user>@<host>`: the user by the
 * process's uid, as that CLI takes it (the environment's USER is as free to set as `--by`), then as the shell says.
 */
export function clientIdentity(
  role: ClientRole,
  env: NodeJS.ProcessEnv = process.env,
  systemUser?: () => string,
): string {
  const user = systemUserOr('', systemUser) || machineUser(env, () => '') || 'unknown';
  return `numberflow-${role}:${codePoints(user, USER_KEPT)}@${hostname()}:${process.pid}`;
}

/** The first `max` characters of `text`, cut between code points (an emoji is never split in two). */
function codePoints(text: string, max: number): string {
  const characters = Array.from(text);
  return characters.length > max ? `${characters.slice(0, max).join('')}…` : text;
}

const ours = /^numberflow-(service|worker|cli):(.*)@([^@]*):\d+$/;
/**
 * The SDKs' own default, `<pid>@<host>` (Go's with a last `@`): numberflow's processes had it before they named
 * themselves, and so may any script; it says nothing of the way a request came.
 */
const sdkDefault = /^\d+@[^@\s]+@?$/;
/** An identity longer than this is cut in the audit: a client outside numberflow chooses it freely. */
const IDENTITY_SHOWN = 120;

/**
 * How an action reached the journey, from the identity Temporal recorded with it; null when none was recorded or it
 * is an SDK's default (a request numberflow sent before it named its processes).
 */
export function channelOf(identity: string | null | undefined): string | null {
  if (!identity || sdkDefault.test(identity)) return null;
  const match = ours.exec(identity);
  if (match) {
    const [, role, user, host] = match;
    if (role === 'service') return "numberflow's HTTP service (the API or the console)";
    if (role === 'cli') return `numberflow's command line in direct mode, run by ${user}@${host}`;
    return "numberflow's worker";
  }
  const shown = codePoints(identity, IDENTITY_SHOWN);
  if (identity.startsWith('temporal-cli:')) return `the Temporal CLI, run by ${shown.slice('temporal-cli:'.length)}`;
  return `a Temporal client that calls itself "${shown}"`;
}
