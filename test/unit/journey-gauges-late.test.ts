// A scrape while Temporal does not answer, or answers late: the journey gauges are left out after a bounded wait and
// the rest of the scrape is answered; a round that comes late is kept for the next scrape; one that never comes gives
// way to another. Real gRPC throughout: a frontend that takes connections and never answers, and the dev server
// behind a connection that holds the requests until released (a slow visibility store).
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { Client, Connection } from '@temporalio/client';
import { Counter, Registry } from 'prom-client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { pino } from 'pino';
import { countingFailures } from '../../src/service-base.js';
import { registerJourneyGauges } from '../../src/telemetry/journey-gauges.js';

/** A loopback server of `onSocket`; closed (its sockets too) after the file. */
const servers: { server: Server; sockets: Socket[] }[] = [];
async function serve(onSocket: (socket: Socket) => void): Promise<string> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => (sockets.push(socket), onSocket(socket)));
  servers.push({ server, sockets });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Counts the visibility counts asked for over a connection. */
function countingCounts(): { interceptor: Interceptor; calls: () => number } {
  let calls = 0;
  const interceptor: Interceptor = (options, nextCall) => {
    if (options.method_definition.path.endsWith('/CountWorkflowExecutions')) calls++;
    return new InterceptingCall(nextCall(options));
  };
  return { interceptor, calls: () => calls };
}

const connections: Connection[] = [];
function clientAt(address: string, interceptor: Interceptor): Client {
  const connection = Connection.lazy({ address, interceptors: [interceptor] });
  connections.push(connection);
  return new Client({ connection });
}

/** Polls until `done` holds; bounded. */
async function until(done: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`waited too long for ${what}`);
}

describe('journey gauges when Temporal does not answer, or answers late', () => {
  afterAll(async () => {
    for (const connection of connections) await connection.close().catch(() => undefined);
    for (const { server, sockets } of servers) {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  // Takes connections and never answers: as a frontend that is stopped (SIGSTOP) or cut off.
  const silent = () => serve(() => undefined);

  it('answers the scrape without them after the bounded wait, and says why', async () => {
    const registry = new Registry();
    new Counter({ name: 'numberflow_other_total', help: 'another metric', registers: [registry] }).inc();
    const errors: unknown[] = [];
    registerJourneyGauges({
      client: clientAt(await silent(), countingCounts().interceptor),
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
    // The dev server behind a connection that holds what the client sends until released.
    const [host, port] = inject('devServerAddress').split(':');
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const held = await serve((socket) => {
      const upstream = connect(Number(port), host);
      socket.pause();
      void released.then(() => socket.pipe(upstream));
      upstream.pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    const counting = countingCounts();
    const registry = new Registry();
    registerJourneyGauges({
      client: clientAt(held, counting.interceptor),
      registry,
      // Each scrape below waits this long for the held round; the late round must then end before the round is
      // given up (six times this: 100 ms failed once, the late round taking over 400 ms on a loaded machine).
      countWithinMs: 1_000,
      cacheMs: 60_000,
    });
    expect(await registry.metrics()).not.toMatch(/^numberflow_journeys\{/m);
    const perRound = counting.calls();
    expect(perRound).toBeGreaterThan(0);
    expect(await registry.metrics()).not.toMatch(/^numberflow_journeys\{/m); // the same round, still under way
    expect(counting.calls()).toBe(perRound);
    release();
    await until(
      async () => /^numberflow_journeys\{stage="AWAITING_OTP"\} \d+$/m.test(await registry.metrics()),
      'the late round',
    );
    // The late round's counts (a few at a time, the rest after them), and no second round: a scrape within the cache
    // asks nothing more.
    const round = counting.calls();
    expect(round).toBeGreaterThanOrEqual(perRound);
    await registry.metrics();
    expect(counting.calls()).toBe(round);
  });

  it('gives up on a round that never ends, and starts another at a later scrape', async () => {
    const counting = countingCounts();
    const registry = new Registry();
    registerJourneyGauges({ client: clientAt(await silent(), counting.interceptor), registry, countWithinMs: 50 });
    await registry.metrics();
    const perRound = counting.calls();
    expect(perRound).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 400)); // past 6 scrape waits
    await registry.metrics();
    expect(counting.calls()).toBe(2 * perRound);
  });
});

describe("the service's word on journeys it cannot count", () => {
  it('warns once while counting fails, with the first error, and says when counts come back', () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const said = countingFailures(logger);
    said.onCounted(); // counting as usual: nothing to say
    for (let scrape = 0; scrape < 5; scrape++) said.onError(new Error('visibility not counted within 5000 ms'));
    said.onCounted();
    said.onCounted();
    said.onError(new Error('14 UNAVAILABLE'));
    expect(lines.map(({ level, msg }) => [pino.levels.labels[level], msg])).toEqual([
      ['warn', 'journeys could not be counted for /metrics (said once, until they are again)'],
      ...Array.from({ length: 4 }, () => ['debug', 'journeys could not be counted for /metrics']),
      ['info', 'journeys are counted for /metrics again'],
      ['warn', 'journeys could not be counted for /metrics (said once, until they are again)'],
    ]);
  });
});
