// The two-step PIN numberflow chooses when the operator does not: random, from the worker's CSPRNG (workflow
// randomness is seeded and replayable, so not a secret). Its result is stored once, encrypted, in history.
import { randomInt } from 'node:crypto';

export function createPinActivities() {
  return {
    async generatePin(): Promise<string> {
      return String(randomInt(0, 1_000_000)).padStart(6, '0');
    },
  };
}
