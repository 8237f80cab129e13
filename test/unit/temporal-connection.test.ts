// A connection to Temporal that cannot be made says where it went and which setting chose that, and a namespace
// that does not exist is named with its variable (the SDK said "Failed to connect before the deadline", and dumped a
// raw gRPC status for a namespace).
import { createServer } from 'node:net';
import { describe, expect, it, inject } from 'vitest';
import { failureOf } from '../../src/cli/failure.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { connectClient } from '../../src/temporal/connection.js';

/** A port nothing listens on: taken, then let go. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('connecting to Temporal', () => {
  it('names the namespace and its variable when the server does not know it', async () => {
    const address = inject('devServerAddress');
    const config = loadConfig({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'no-such-namespace' });
    const refused = await connectClient(config, {}).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toBe(
      `TEMPORAL_NAMESPACE: namespace "no-such-namespace" does not exist on Temporal at ${address}: create it ` +
        '(temporal operator namespace create --namespace no-such-namespace) or name one that does',
    );
    const known = await connectClient(loadConfig({ TEMPORAL_ADDRESS: address }), {});
    await known.connection.close();
  });

  it("names numberflow's process to Temporal, for the audit's way an action came", async () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: inject('devServerAddress') });
    for (const role of ['service', 'cli'] as const) {
      const client = await connectClient(config, {}, { role });
      expect(client.options.identity).toMatch(new RegExp(`^numberflow-${role}:[^@]+@[^@]+:${process.pid}$`));
      await client.connection.close();
    }
  });

  it('names the address and TEMPORAL_ADDRESS when nothing answers there', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const refused = await connectClient(loadConfig({ TEMPORAL_ADDRESS: address }), {}).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toMatch(
      new RegExp(`^cannot reach Temporal at ${address.replaceAll('.', '\\.')} \\(TEMPORAL_ADDRESS\\), without TLS: `),
    );
    // The server may be away for now: the command line exits 75, run again later (not 1, fix the input).
    expect(failureOf(refused).exitCode).toBe(75);
  }, 30_000);
});
