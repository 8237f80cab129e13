// Who sent a request to Temporal, as Temporal records it beside each update, signal and cancel request in history:
// numberflow's processes name themselves, so that an auditor reads which way a person's action came — the HTTP
// service (whose principal is the actor), the command line in direct mode (whose actor is typed text: the machine's
// user says who typed it), or a client outside numberflow such as the Temporal CLI.
import { hostname, userInfo } from 'node:os';

export type ClientRole = 'service' | 'worker' | 'cli';

/** The machine's user, as the shell names it; empty when the system has no name for the user id. */
export function machineUser(
  env: NodeJS.ProcessEnv = process.env,
  systemUser: () => string = () => userInfo().username,
): string {
  const named = env.USER ?? env.LOGNAME;
  if (named) return named;
  try {
    return systemUser();
  } catch {
    return ''; // a user id the system has no name for
  }
}

/** `numberflow-<role>:<user>@<host>:<pid>`, the Temporal CLI's `temporal-cli:<user>@<host>` with a pid. */
export function clientIdentity(role: ClientRole, env: NodeJS.ProcessEnv = process.env): string {
  return `numberflow-${role}:${machineUser(env) || 'unknown'}@${hostname()}:${process.pid}`;
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
  const shown = identity.length > IDENTITY_SHOWN ? `${identity.slice(0, IDENTITY_SHOWN)}…` : identity;
  if (identity.startsWith('temporal-cli:')) return `the Temporal CLI, run by ${shown.slice('temporal-cli:'.length)}`;
  return `a Temporal client that calls itself "${shown}"`;
}
