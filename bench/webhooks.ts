// Verified webhook ingest: the real receiver (signature verified over the raw bytes, parsed, routed to Temporal)
// against a bare node:http handler that only checks X-Hub-Signature-256, both driven by autocannon on loopback
// with BENCH_WEBHOOK_REQUESTS requests over BENCH_WEBHOOK_CONNECTIONS connections, BENCH_WEBHOOK_ROUNDS times each
// (the side going first alternates; the throughput is that of the round whose ratio is the median, the p99 each
// side's median). A count, not a duration: the load must stay within the inbox's room (past it the receiver answers
// 503, as it should), however fast the machine is.
// The bodies are what the sandbox sends for a number with no journey: a paid message's status (routed as a signal,
// answered "no running journey") and an inbound message, in turn. The receiver answers once a delivery is in its
// inbox: how long the inbox then takes to route what the load left in it is said in the note, and the next load
// waits for it (bounded by BENCH_WEBHOOK_DRAIN_S).
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { SIGNATURE_HEADER, signWebhookBody, verifyWebhookSignature } from '../src/graph/signature.js';
import { serializeLikeMeta } from '../src/sandbox/webhooks.js';
import { figure, median, middle, type Figure } from './figures.js';
import { DEFAULT_MAX_PENDING, WebhookInbox } from '../src/http/webhook-inbox.js';
import { benchNumber, pause } from './journeys.js';
import { countFrom, oddCountFrom } from './settings.js';
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

async function load(url: string, bodies: string[], secret: string, amount: number, connections: number) {
  // autocannon checks a counted load's end at each sample (sampleInt): its own rate would count the idle rest of
  // the sample, so the rate is the answers over the time until the last of them; short samples let the drain's note
  // start soon after.
  const started = performance.now();
  let lastAnswer = started;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const cannon = autocannon(
      {
        url,
        connections,
        amount,
        sampleInt: 100,
        requests: bodies.map((body) => ({
          method: 'POST' as const,
          headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhookBody(body, secret) },
          body,
        })),
      },
      (err: Error | null, done) => (err ? reject(err) : resolve(done)),
    );
    cannon.on('response', () => {
      lastAnswer = performance.now();
    });
  });
  const refused = result.non2xx + result.errors; // errors count the time-outs too
  if (refused > 0) throw new Error(`${url}: ${refused} of ${result.requests.total} requests were not answered 2xx`);
  // A connection cut mid-request is opened again without an error: the count would fall short unsaid.
  if (result.requests.total !== amount)
    throw new Error(`${url}: ${result.requests.total} of ${amount} requests were answered`);
  const seconds = (lastAnswer - started) / 1000;
  return { perSecond: result.requests.total / seconds, p99: result.latency.p99, seconds };
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

/** What the drain did after a load: how many the load left in the inbox, and how long they took to be routed. */
interface Drained {
  waiting: number;
  seconds: number;
}

/** Waits (bounded; past the bound, an error) until the service's inbox is empty. */
async function drained(file: string, boundSeconds: number): Promise<Drained> {
  // Read without taking the inbox: the service under load owns it.
  const waiting = WebhookInbox.storedIn(file);
  const started = performance.now();
  const deadline = Date.now() + boundSeconds * 1000;
  while (WebhookInbox.storedIn(file) > 0 && Date.now() < deadline) await pause(100);
  const left = WebhookInbox.storedIn(file);
  // The next load would meet a busy drain, and might find the inbox full.
  if (left > 0) {
    const where = `${left} of ${waiting} deliveries were still in the inbox`;
    throw new Error(`${where} after ${boundSeconds} s (BENCH_WEBHOOK_DRAIN_S)`);
  }
  return { waiting, seconds: (performance.now() - started) / 1000 };
}

function drainNote(after: Drained[]): string {
  const waited = after.map((d) => d.waiting).join(', ');
  const took = after.map((d) => d.seconds.toFixed(1)).join(', ');
  return `the loads left ${waited} deliveries in the inbox, all routed ${took} s later`;
}

type Load = Awaited<ReturnType<typeof load>>;

export async function webhooksBench(): Promise<Figure[]> {
  // Within the inbox's room (the service's default maxPending) even if the drain routed nothing during the load.
  const requests = countFrom('BENCH_WEBHOOK_REQUESTS', 60_000, DEFAULT_MAX_PENDING);
  const connections = countFrom('BENCH_WEBHOOK_CONNECTIONS', 10, Math.min(1_000, requests));
  const rounds = oddCountFrom('BENCH_WEBHOOK_ROUNDS', 5, 11, 'round');
  const drainBound = countFrom('BENCH_WEBHOOK_DRAIN_S', 120, 600);
  const stand = await startBenchStand({ appSecret: 'bench-secret', seed: 6 });
  const bare = await bareReceiver(stand.appSecret);
  try {
    const bodies = await metaBodies(stand);
    if (bodies.length !== 2) throw new Error(`the sandbox made ${bodies.length} message webhooks, not 2`);
    const service = await stand.serve('bench-webhooks');
    const bareLoads: Load[] = [];
    const realLoads: Load[] = [];
    const afterLoads: Drained[] = [];
    const bareSide = async () => {
      bareLoads.push(await load(bare.url, bodies, stand.appSecret, requests, connections));
    };
    // The next load starts once the inbox is empty: no side meets the drain of an earlier load.
    const realSide = async () => {
      realLoads.push(await load(`${service.url}/webhooks/meta`, bodies, stand.appSecret, requests, connections));
      afterLoads.push(await drained(service.inboxFile, drainBound));
    };
    // Bare then real, real then bare, …: the machine's drift within the run weighs on both sides.
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 === 0 ? [bareSide, realSide] : [realSide, bareSide]) await side();
    }
    const pairs = realLoads.map((real, i) => ({ real, bare: bareLoads[i] as Load }));
    const ratioOf = (pair: (typeof pairs)[number]) => pair.real.perSecond / pair.bare.perSecond;
    // The figure is a round's: its two loads ran next to each other, so the machine's drift weighs on both. Each
    // side's median of its own rounds would set one round's real load against another's bare one.
    const paired = middle(pairs, ratioOf);
    const perSecond = (loads: Load[]) => median(loads.map((l) => l.perSecond)).toFixed(0);
    const took = (loads: Load[]) => loads.map((l) => l.seconds.toFixed(1)).join('/');
    const how =
      `sides alternating first; autocannon, ${connections} connections, ${requests} requests a load ` +
      `(${took(realLoads)} s against ${took(bareLoads)} s); baseline: node:http checking the signature only; ` +
      drainNote(afterLoads);
    const ratios = pairs.map((p) => ratioOf(p).toFixed(3)).join(', ');
    const rate =
      `the round with the median ratio of ${rounds} rounds (each round's ratio: ${ratios}; each side's median: ` +
      `${perSecond(realLoads)} against ${perSecond(bareLoads)} requests/s), ${how}`;
    return [
      figure('webhook ingest: throughput', paired.real.perSecond, 'requests/s', {
        baseline: paired.bare.perSecond,
        goal: { of: 'ratio', atLeast: 0.5 },
        note: rate,
      }),
      figure('webhook ingest: p99 latency', median(realLoads.map((l) => l.p99)), 'ms', {
        baseline: Math.max(median(bareLoads.map((l) => l.p99)), 1),
        note: `each side's median of ${rounds} rounds, ${how}`,
      }),
    ];
  } finally {
    await bare.close();
    await stand.close();
  }
}
