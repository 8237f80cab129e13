// A port an entry point could not listen on, named by the settings that chose it: Node's "listen EADDRINUSE:
// address already in use 127.0.0.1:8080" names neither the variable nor what to do.
import { ConfigError } from './config.js';

/** What to do about a port another process holds (the metrics exporter's says it too). */
export const PORT_IN_USE = 'is in use by another process: stop it or choose another port';

const WHY: Record<string, string> = {
  EADDRINUSE: PORT_IN_USE,
  EACCES: 'may not be listened on by this user (ports below 1024 need privileges): choose another port',
};

/**
 * Listens, or fails with a ConfigError naming `settings.port` (or `settings.host` for an address that is not this
 * machine's, or a name that does not resolve). Only the listen's own failures are named so: `listen` may do other
 * work (the sandbox reads its state first), whose errors pass as they are.
 */
export async function listenNamed<T>(settings: { host?: string; port: string }, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    const { code, syscall, address, port, hostname } = err as NodeJS.ErrnoException & {
      address?: string;
      port?: number;
      hostname?: string;
    };
    const where = address === undefined ? '' : `${address}:${String(port)} `;
    if (settings.host && code === 'EADDRNOTAVAIL' && (syscall === 'listen' || syscall === 'bind'))
      throw new ConfigError(`${settings.host}: ${where}is not an address of this machine`, { cause: err });
    if (settings.host && code === 'ENOTFOUND' && syscall === 'getaddrinfo')
      throw new ConfigError(`${settings.host}: "${hostname ?? '?'}" does not resolve to an address`, { cause: err });
    const why = code === undefined ? undefined : WHY[code];
    if (why === undefined || (syscall !== 'listen' && syscall !== 'bind')) throw err;
    throw new ConfigError(`${settings.port}: ${where}${why}`, { cause: err });
  }
}
