// How the direct-mode commands get their Temporal client: connected when a command runs (the Temporal SDK and the
// codec load only then, so the command line starts fast in API mode and for --help), closed when it is done.
import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';

/** `checkKeys`: the command sends a payload, so the worker's payload keys are checked first. */
export type WithClient = (work: (client: Client) => Promise<void>, options?: { checkKeys?: boolean }) => Promise<void>;

export function withDirectClient(config: () => Config): WithClient {
  return async (work, options = {}) => {
    const resolved = config();
    const { checkKeysOf, connectDirectClient } = await import('./direct-connection.js');
    const client = await connectDirectClient(resolved);
    try {
      if (options.checkKeys) await checkKeysOf(client, resolved);
      await work(client);
    } finally {
      await client.connection.close();
    }
  };
}
