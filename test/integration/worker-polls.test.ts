// Whether an input is sent (dev server): a worker seen polling lets it through, asked once every few seconds; a queue
// nobody polls holds it back; a server that cannot say in time lets it through and is asked again next time; a
// server that cannot be reached is said at once.
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { aWorkerPolls } from '../../src/journeys/act.js';
import { workflowPollersSince } from '../../src/temporal/pollers.js';
import { until } from '../support/listed.js';
import { withServiceHook } from '../support/service-hook.js';
import { tcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { connectDevServer, createTestWorker, uniqueTaskQueue, useTestEnv } from '../support/temporal.js';

/** `client`, its describes of task queues counted (the real server answers them). */
function counted(client: Client): { client: Client; describes: () => number } {
  let describes = 0;
  return { client: withServiceHook(client, 'describeTaskQueue', () => describes++), describes: () => describes };
}

describe("the input's check for a worker polling the journeys' queue (dev server)", () => {
  const env = useTestEnv(connectDevServer);
  const proxies: TcpProxy[] = [];
  const connections: Connection[] = [];
  afterAll(async () => {
    for (const connection of connections) await connection.close();
    for (const proxy of proxies) await proxy.close();
  });

  /** A client reaching the dev server through a proxy, without the SDK's retries: the answer is the server's first. */
  const proxied = async () => {
    const proxy = await tcpProxy(inject('devServerAddress'));
    proxies.push(proxy);
    const connection = await Connection.connect({ address: proxy.address, interceptors: [] });
    connections.push(connection);
    return { proxy, ...counted(new Client({ connection })) };
  };

  it('says yes while a worker polls, asking once in a few seconds, and no for a queue nobody polls', async () => {
    const taskQueue = uniqueTaskQueue('worker-polls');
    const worker = await createTestWorker(env(), { taskQueue });
    const running = worker.run();
    try {
      await until(async () => ((await workflowPollersSince(env().client, taskQueue)) > 0 ? true : null), 'a poll');
      const { client, describes } = counted(env().client);
      expect(await aWorkerPolls(client, taskQueue)).toBe(true);
      expect(await aWorkerPolls(client, taskQueue)).toBe(true);
      expect(describes()).toBe(1); // kept a few seconds: a code's submission costs no extra call then
    } finally {
      worker.shutdown();
      await running;
    }
    expect(await aWorkerPolls(env().client, uniqueTaskQueue('never-polled'))).toBe(false);
  });

  it('tells a gone worker from a polling one by when it last began a poll', async () => {
    const taskQueue = uniqueTaskQueue('worker-gone');
    const worker = await createTestWorker(env(), { taskQueue });
    const running = worker.run();
    await until(async () => ((await workflowPollersSince(env().client, taskQueue)) > 0 ? true : null), 'a poll');
    worker.shutdown();
    await running;
    const stopped = Date.now() + 1;
    // The server still lists the stopped worker's pollers; none began a poll since it stopped.
    expect(await workflowPollersSince(env().client, taskQueue)).toBeGreaterThan(0);
    expect(await workflowPollersSince(env().client, taskQueue, stopped)).toBe(0);
  });

  it('lets an input through when the server does not answer in time, asking again next time', async () => {
    const { proxy, client, describes } = await proxied();
    proxy.hold(); // the frontend takes the request and never answers
    const taskQueue = uniqueTaskQueue('worker-polls-held');
    const ask = () => client.withDeadline(Date.now() + 500, () => aWorkerPolls(client, taskQueue));
    expect(await ask()).toBe(true);
    expect(await ask()).toBe(true);
    expect(describes()).toBe(2); // an answer not given is not kept as "a worker polls"
  });

  it('throws when the server cannot be reached', async () => {
    const { proxy, client } = await proxied();
    await proxy.close();
    await expect(aWorkerPolls(client, uniqueTaskQueue('worker-polls-gone'))).rejects.toThrow(/^14 UNAVAILABLE/);
  });
});
