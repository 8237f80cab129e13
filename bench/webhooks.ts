// Verified webhook ingest: the real receiver (signature verified over the raw bytes, parsed, routed to Temporal)
// against a bare node:http handler that only checks X-Hub-Signature-256, both driven by autocannon on loopback
// for BENCH_WEBHOOK_SECONDS with BENCH_WEBHOOK_CONNECTIONS connections. The bodies are what the sandbox sends for
// a number with no journey: a paid message's status (routed as a signal, answered "no running journey") and an
// inbound message, in turn. The receiver answers once a delivery is in its inbox: how long the inbox then takes to
// route what the load left in it is said in the note (bounded by BENCH_WEBHOOK_DRAIN_S).
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { SIGNATURE_HEADER, signWebhookBody, verifyWebhookSignature } from '../src/graph/signature.js';
import { serializeLikeMeta } from '../src/sandbox/webhooks.js';
import { figure, type Figure } from './figures.js';
import { WebhookInbox } from '../src/http/webhook-inbox.js';
import { benchNumber, pause } from './journeys.js';
import { countFrom } from './settings.js';
import { startBenchStand, type BenchStand } from './stand.js';

/** The sandbox's own webhook bodies for one number: a billable status and an inbound message. */
async function metaBodies(stand: BenchStand): Promise<string[]> {
  const e164 = benchNumber(0);
  const { id } = await stand.graph.addPhoneNumber(stand.wabaId, {
    cc: '1',
    phoneNumber: e164.slice(2),
    verifiedName: 'Bench Co',
  });
  const { admin } = stand.sandbox;
  admin.recordPaidMessage(id);
  admin.deliverInbound(id, '16505550100', 'hello');
  await admin.flushWebhooks(); // no callback URL yet: kept, not sent
  return admin
    .webhooks()
    .filter((w) => w.field === 'messages')
    .map((w) => serializeLikeMeta(w.payload));
}

async function load(url: string, bodies: string[], secret: string, seconds: number, connections: number) {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: bodies.map((body) => ({
      method: 'POST' as const,
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhookBody(body, secret) },
      body,
    })),
  });
  const refused = result.non2xx + result.errors + result.timeouts;
  if (refused > 0) throw new Error(`${url}: ${refused} of ${result.requests.total} requests were not answered 2xx`);
  return { perSecond: result.requests.average, p99: result.latency.p99 };
}

/** The least a receiver does: read the body, check its signature, answer. */
async function bareReceiver(secret: string) {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const ok = verifyWebhookSignature(Buffer.concat(chunks), request.headers[SIGNATURE_HEADER], secret);
      response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? '{"received":1}' : '{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/webhooks/meta`, close: () => new Promise((done) => server.close(done)) };
}

/** Waits (bounded) until the service's inbox is empty: how many were waiting, and how long they took. */
async function drained(file: string, boundSeconds: number): Promise<string> {
  // Read without taking the inbox: the service under load owns it.
  const waiting = WebhookInbox.storedIn(file);
  const started = performance.now();
  const deadline = Date.now() + boundSeconds * 1000;
  while (WebhookInbox.storedIn(file) > 0 && Date.now() < deadline) await pause(100);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const left = WebhookInbox.storedIn(file);
  if (left > 0)
    return `${waiting} deliveries waited in the inbox when the load ended, ${left} still after ${seconds} s`;
  return `${waiting} deliveries waited in the inbox when the load ended, all routed ${seconds} s later`;
}

export async function webhooksBench(): Promise<Figure[]> {
  const seconds = countFrom('BENCH_WEBHOOK_SECONDS', 10, 300);
  const connections = countFrom('BENCH_WEBHOOK_CONNECTIONS', 10, 1_000);
  const stand = await startBenchStand({ appSecret: 'bench-secret', seed: 6 });
  const bare = await bareReceiver(stand.appSecret);
  try {
    const bodies = await metaBodies(stand);
    if (bodies.length !== 2) throw new Error(`the sandbox made ${bodies.length} message webhooks, not 2`);
    const service = await stand.serve('bench-webhooks');
    const baseline = await load(bare.url, bodies, stand.appSecret, seconds, connections);
    const real = await load(`${service.url}/webhooks/meta`, bodies, stand.appSecret, seconds, connections);
    const inbox = await drained(service.inboxFile, countFrom('BENCH_WEBHOOK_DRAIN_S', 120, 600));
    const note = `autocannon, ${connections} connections, ${seconds} s each; baseline: node:http checking the signature only; ${inbox}`;
    return [
      figure('webhook ingest: throughput', real.perSecond, 'requests/s', {
        baseline: baseline.perSecond,
        goal: { of: 'ratio', atLeast: 0.5 },
        note,
      }),
      figure('webhook ingest: p99 latency', real.p99, 'ms', { baseline: Math.max(baseline.p99, 1), note }),
    ];
  } finally {
    await bare.close();
    await stand.close();
  }
}
