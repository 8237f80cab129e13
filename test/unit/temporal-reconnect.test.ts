// After an outage, a service's client tries Temporal again every 2 s at most: gRPC's own reconnect backoff grows to
// 2 minutes, and after an outage of minutes the service went on failing for about a minute with Temporal back.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it, inject } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { connectClient } from '../../src/temporal/connection.js';

/** A TCP proxy to the tests' dev server that can be made to drop every connection (an outage), counting attempts. */
async function outageProxy(target: string) {
  const [host = '127.0.0.1', port = '0'] = target.split(':');
  const open = new Set<Socket>();
  const attempts: number[] = [];
  let down = false;
  const server = createServer((socket) => {
    attempts.push(Date.now());
    if (down) return void socket.destroy();
    const upstream = connect({ host, port: Number(port) });
    open.add(socket).add(upstream);
    const close = () => (socket.destroy(), upstream.destroy(), open.delete(socket), open.delete(upstream));
    socket.pipe(upstream).pipe(socket);
    socket.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    attempts,
    goDown() {
      down = true;
      for (const socket of open) socket.destroy();
    },
    comeBack() {
      down = false;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a client's reconnects", () => {
  it('are at most about 2 s apart during an outage, and a call answers soon after Temporal is back', async () => {
    const proxy = await outageProxy(inject('devServerAddress'));
    const client = await connectClient(loadConfig({ TEMPORAL_ADDRESS: proxy.address }), {});
    try {
      const count = () => client.workflow.count(`WorkflowType = 'numberJourney'`);
      await count();
      proxy.goDown();
      const from = Date.now();
      // A service keeps asking (readiness, gauges) while Temporal is away; gRPC's backoff between reconnects grows.
      while (Date.now() - from < 16_000) {
        await count().catch(() => undefined);
        await sleep(200);
      }
      const during = proxy.attempts.filter((at) => at >= from);
      const gaps = during.slice(1).map((at, i) => at - (during[i] ?? at));
      // gRPC's own backoff (1 s, ×1.6, ±20%) makes 6 attempts in these 16 s, the last two 4.1 s apart, then 6.6 s.
      expect(during.length).toBeGreaterThanOrEqual(7);
      expect(Math.max(...gaps)).toBeLessThan(3_500);

      proxy.comeBack();
      const back = Date.now();
      let answered = false;
      while (!answered && Date.now() - back < 15_000) {
        answered = await count().then(
          () => true,
          () => false,
        );
        if (!answered) await sleep(100);
      }
      expect(answered).toBe(true);
      // The channel's next attempt (2 s at most) and the SDK's own retry of the call; a busy machine's slack.
      expect(Date.now() - back).toBeLessThan(8_000);
    } finally {
      await client.connection.close();
      await proxy.close();
    }
  }, 60_000);
});
