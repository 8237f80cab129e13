// A port an entry point could not listen on, named by the settings that chose it: Node's "listen EADDRINUSE:
// address already in use 127.0.0.1:8080" names neither the variable nor what to do.
import { ConfigError } from './config.js';

const WHY: Record<string, string> = {
  EADDRINUSE: 'is in use by another process: stop it or choose another port',
  EACCES: 'may not be listened on by this user (ports below 1024 need privileges): choose another port',
};

/** Listens, or fails with a ConfigError naming `settings.port` (or `settings.host` for an address not here). */
export async function listenNamed<T>(settings: { host: string; port: string }, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    const { code, address, port } = err as NodeJS.ErrnoException & { address?: string; port?: number };
    const where = address === undefined ? '' : `${address}:${String(port)} `;
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new ConfigError(`${settings.host}: ${where || 'the host '}is not an address of this machine`, {
        cause: err,
      });
    const why = code === undefined ? undefined : WHY[code];
    if (why === undefined) throw err;
    throw new ConfigError(`${settings.port}: ${where}${why}`, { cause: err });
  }
}
