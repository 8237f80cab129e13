// A scrape while Temporal does not answer: the journey gauges are left out after a bounded wait, and the rest of the
// scrape is answered, rather than the scrape hanging until Temporal comes back.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerJourneyGauges } from '../../src/telemetry/journey-gauges.js';

describe('journey gauges when Temporal does not answer', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let connection: Connection;
  beforeAll(async () => {
    // Takes connections and never answers: as a frontend that is stopped (SIGSTOP) or cut off.
    silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    connection = Connection.lazy({ address: `127.0.0.1:${(silent.address() as AddressInfo).port}` });
  });
  afterAll(async () => {
    await connection.close().catch(() => undefined);
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('answers the scrape without them after the bounded wait, and says why', async () => {
    const registry = new Registry();
    new Counter({ name: 'numberflow_other_total', help: 'another metric', registers: [registry] }).inc();
    const errors: unknown[] = [];
    registerJourneyGauges({
      client: new Client({ connection }),
      registry,
      countWithinMs: 300,
      onError: (err) => errors.push(err),
    });
    const started = performance.now();
    const text = await registry.metrics();
    expect(performance.now() - started).toBeLessThan(10_000); // bounded, not a timing assertion: it hung for good
    expect(text).toContain('numberflow_other_total 1');
    expect(text).not.toMatch(/^numberflow_journeys\{/m);
    expect(String(errors[0])).toContain('visibility not counted within 300 ms');
  });

  it('keeps a round that came late for the next scrape, and asks no second round while one is under way', async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (release = resolve));
    // Visibility that answers, slowly: every count waits until released.
    const slow = {
      workflow: { count: async () => (calls++, await answered, { count: 3 }) },
    } as unknown as Client;
    const registry = new Registry();
    registerJourneyGauges({ client: slow, registry, countWithinMs: 100, cacheMs: 60_000 });
    expect(await registry.metrics()).not.toMatch(/^numberflow_journeys\{/m);
    const perRound = calls;
    expect(await registry.metrics()).not.toMatch(/^numberflow_journeys\{/m); // the same round, still under way
    expect(calls).toBe(perRound);
    release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await registry.metrics()).toMatch(/^numberflow_journeys\{stage="AWAITING_OTP"\} 3$/m);
    expect(calls).toBe(perRound);
  });

  it('gives up on a round that never ends, and starts another at a later scrape', async () => {
    let calls = 0;
    const hung = { workflow: { count: () => (calls++, new Promise<never>(() => undefined)) } } as unknown as Client;
    const registry = new Registry();
    registerJourneyGauges({ client: hung, registry, countWithinMs: 50 });
    await registry.metrics();
    const perRound = calls;
    await new Promise((resolve) => setTimeout(resolve, 400)); // past 6 scrape waits
    await registry.metrics();
    expect(calls).toBe(2 * perRound);
  });
});
