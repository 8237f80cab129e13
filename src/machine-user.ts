// The machine's user, for what a person's command records of who ran it: the command line's default actor, and the
// identity numberflow's processes give Temporal (src/temporal/client-identity.ts).
import { userInfo } from 'node:os';

/** As the shell names the user (USER, LOGNAME), else as the system does; empty when it has no name for the uid. */
export function machineUser(
  env: NodeJS.ProcessEnv = process.env,
  systemUser: () => string = () => userInfo().username,
): string {
  const named = env.USER ?? env.LOGNAME;
  if (named) return named;
  return systemUserOr('', systemUser);
}

/** The system's name for the process's user (by its uid, whatever the environment says), else `fallback`. */
export function systemUserOr(fallback: string, systemUser: () => string = () => userInfo().username): string {
  try {
    return systemUser() || fallback;
  } catch {
    return fallback; // a user id the system has no name for
  }
}
