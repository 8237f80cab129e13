// Graph calls this process has on their way, by what they ask: a repeat of a call that is still under way here
// joins it instead of sending it again. The in-task verify lets go of its call after IN_TASK_VERIFY_BUDGET, and the
// activity taking over repeats it — sent again while the first is still on its way, a wrong code would cost two of
// Meta's attempts, counted once by the journey.
import { createHash } from 'node:crypto';

export interface CallsInFlight<T> {
  /** The call under way for `key` in this process, if any. */
  underWay(key: string): Promise<T> | undefined;
  /** Makes the call, known under `key` until it settles. */
  send(key: string, call: () => Promise<T>): Promise<T>;
}

export function callsInFlight<T>(): CallsInFlight<T> {
  const inFlight = new Map<string, Promise<T>>();
  return {
    underWay: (key) => inFlight.get(key),
    send(key, call) {
      const sent = call();
      inFlight.set(key, sent);
      const settled = () => {
        if (inFlight.get(key) === sent) inFlight.delete(key);
      };
      sent.then(settled, settled);
      return sent;
    },
  };
}

/** A key for a call that carries a secret (a code): its digest, so that the secret is not kept as a key. */
export const keyOf = (...parts: string[]): string =>
  createHash('sha256').update(parts.join('\u0000')).digest('base64url');
