// The webhook inbox: a delivery is answered 200 once committed to the service's SQLite file, then routed by the
// drain; one whose routing fails stays and is routed later, also by the next process on the same file (after a
// kill); a full inbox answers 503; a batch asks Temporal once about a number no journey manages.
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { parseWebhook } from '../../src/graph/webhooks.js';
import { signWebhookBody } from '../../src/graph/signature.js';
import { WebhookInbox } from '../../src/http/webhook-inbox.js';
import { createWebhookRouter, RoutingBatch } from '../../src/http/webhook-router.js';
import { createServiceMetrics } from '../../src/telemetry/metrics.js';
import { useBench } from '../support/bench.js';
import { APP_SECRET } from '../support/harness.js';
import { harnessHttpApp } from '../support/http-app.js';
import { freshNumber } from '../support/journeys.js';
import { total } from '../support/prometheus.js';
import {
  billableStatus,
  envelope,
  nowSeconds,
  postSigned,
  qualityUpdate,
  signalCount,
  waitingJourney,
} from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'numberflow-inbox-test-'));
let files = 0;
const inboxFile = () => join(dir, `inbox-${files++}.sqlite`);

/** Deliveries in the file, read through a connection of its own (what a restarted process would find). */
const waitingIn = (file: string): number => WebhookInbox.storedIn(file);

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`waited too long for ${what}`);
}

/** A client whose signals fail as if Temporal could not be reached, and one that counts the signals it sends. */
function clientWith(t: ReturnType<typeof useBench>, interceptor: WorkflowClientInterceptor): Client {
  const { client } = t.bench.env;
  return new Client({
    connection: client.connection,
    namespace: client.options.namespace,
    dataConverter: client.options.dataConverter,
    interceptors: { workflow: [interceptor] },
  });
}
const unreachable: WorkflowClientInterceptor = {
  signal: () => Promise.reject(new Error('14 UNAVAILABLE: Temporal cannot be reached (injected)')),
};

describe('the webhook inbox (dev server + Graph sandbox)', () => {
  const t = useBench('dev');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers 200 once the delivery is committed, then routes it to the journey', async () => {
    const file = inboxFile();
    const app = await harnessHttpApp(t.bench, { webhookInbox: { file } });
    try {
      await t.bench.run(async () => {
        const { journey, digits } = await waitingJourney(t.bench);
        const before = await signalCount(t.env.client, journey.workflowId);
        const answer = await postSigned(
          app,
          envelope([{ id: t.bench.wabaId, changes: [qualityUpdate(digits)] }]),
          APP_SECRET,
        );
        expect(answer.statusCode).toBe(200);
        expect(answer.json()).toEqual({ received: 1 });
        await eventually(
          async () => (await signalCount(t.env.client, journey.workflowId)) === before + 1,
          'the quality update routed',
        );
        await eventually(async () => waitingIn(file) === 0, 'the inbox emptied');
        await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
      });
    } finally {
      await app.close();
    }
  });

  it('keeps a delivery whose routing fails, and the next process on the same file routes it', async () => {
    const file = inboxFile();
    await t.bench.run(async () => {
      const { journey, digits } = await waitingJourney(t.bench);
      const before = await signalCount(t.env.client, journey.workflowId);
      const client = clientWith(t, unreachable);
      const metrics = createServiceMetrics(client, { cacheMs: 0, portfolioId: t.bench.portfolioId });
      const down = await harnessHttpApp(t.bench, { client, webhookInbox: { file }, metrics });
      const body = envelope([{ id: t.bench.wabaId, changes: [qualityUpdate(digits)] }]);
      const gauge = async (name: string) => total(await metrics.registry.metrics(), name);
      try {
        expect(await gauge('numberflow_webhook_inbox_oldest_age_seconds')).toBe(0); // none waits
        expect((await postSigned(down, body, APP_SECRET)).statusCode).toBe(200);
        // What waits, and since when, is on /metrics: the counters restart with the process, the inbox does not.
        expect(await gauge('numberflow_webhook_inbox_waiting')).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(await gauge('numberflow_webhook_inbox_oldest_age_seconds')).toBeGreaterThan(0);
        expect(await gauge('numberflow_webhook_dead_letters')).toBe(0);
      } finally {
        await down.close(); // whether or not its drain tried (and failed), the delivery stays
      }
      // The closed app's gauges go with it, and a scrape still answers.
      await expect(metrics.registry.metrics()).resolves.not.toContain('numberflow_webhook_inbox_waiting');
      expect(waitingIn(file)).toBe(1);
      expect(await signalCount(t.env.client, journey.workflowId)).toBe(before);
      const up = await harnessHttpApp(t.bench, { webhookInbox: { file } });
      try {
        await eventually(
          async () => (await signalCount(t.env.client, journey.workflowId)) === before + 1,
          'the kept delivery routed by the next process',
        );
        await eventually(async () => waitingIn(file) === 0, 'the inbox emptied');
      } finally {
        await up.close();
      }
      await t.env.client.workflow.getHandle(journey.workflowId).terminate('test done');
    });
  });

  it('keeps what a process killed right after committing had received', async () => {
    const file = inboxFile();
    const body = Buffer.from(envelope([{ id: '1', changes: [qualityUpdate('15550001111')] }]));
    // The child commits as the receiver does before answering, says so, and is killed before it could route.
    const code = [
      `import { WebhookInbox } from ${JSON.stringify(new URL('../../src/http/webhook-inbox.ts', import.meta.url).href)};`,
      `const inbox = WebhookInbox.open(${JSON.stringify(file)});`,
      `await inbox.put(Buffer.from(${JSON.stringify(body.toString('base64'))}, 'base64'), Date.now());`,
      `process.stdout.write('committed\\n');`,
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('committed') && resolve());
      child.on('exit', (status) => reject(new Error(`the child exited (${status}) before committing`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const inbox = WebhookInbox.open(file);
    try {
      const [kept] = inbox.oldest(10);
      expect(kept?.body.equals(body)).toBe(true);
      expect(inbox.size).toBe(1);
    } finally {
      inbox.close();
    }
  });

  it('answers 503 when the inbox is full, so that Meta delivers again', async () => {
    const file = inboxFile();
    const app: FastifyInstance = await harnessHttpApp(t.bench, {
      client: clientWith(t, unreachable),
      webhookInbox: { file, maxPending: 1 },
    });
    try {
      const body = (digits: string) => envelope([{ id: t.bench.wabaId, changes: [qualityUpdate(digits)] }]);
      expect((await postSigned(app, body(freshNumber().slice(1)), APP_SECRET)).statusCode).toBe(200);
      const full = await postSigned(app, body(freshNumber().slice(1)), APP_SECRET);
      expect(full.statusCode).toBe(503);
      expect(full.json()).toEqual({ error: 'the webhook inbox is full; deliver again later' });
      // Refusals are still answered as before: the inbox is not asked.
      expect((await postSigned(app, 'not json', 'sha256=00')).statusCode).toBe(401);
    } finally {
      await app.close();
    }
    expect(waitingIn(file)).toBe(1);
  });

  it('answers 503, not 200, a delivery the inbox could not write, so that Meta delivers it again', async () => {
    const file = inboxFile();
    const app: FastifyInstance = await harnessHttpApp(t.bench, {
      client: clientWith(t, unreachable),
      webhookInbox: { file },
    });
    const body = () => envelope([{ id: t.bench.wabaId, changes: [qualityUpdate(freshNumber().slice(1))] }]);
    const writer = new Database(file); // another writer holds the file (as a full disk, the write fails)
    try {
      writer.prepare('BEGIN EXCLUSIVE').run();
      const refused = await postSigned(app, body(), APP_SECRET);
      expect(refused.statusCode).toBe(503);
      expect(refused.json()).toEqual({
        error: 'the webhook inbox could not keep the delivery (SQLITE_BUSY); deliver again later',
      });
      writer.prepare('ROLLBACK').run();
      expect((await postSigned(app, body(), APP_SECRET)).statusCode).toBe(200); // room again
    } finally {
      writer.close();
      await app.close();
    }
    expect(waitingIn(file)).toBe(1);
  }, 30_000);

  it('asks Temporal once per batch about a number no journey manages, and every time without a batch', async () => {
    let signals = 0;
    const counting = clientWith(t, { signal: (input, next) => (signals++, next(input)) });
    const route = createWebhookRouter({ client: counting, taskQueue: t.bench.taskQueue, graph: t.bench.graph });
    const digits = freshNumber().slice(1);
    const status = (seconds: number) => {
      const body = envelope([{ id: t.bench.wabaId, changes: [billableStatus(digits, String(seconds))] }]);
      const parsed = parseWebhook(Buffer.from(body), signWebhookBody(body, APP_SECRET), APP_SECRET);
      if (!parsed.ok || parsed.events[0] === undefined) throw new Error('the status did not parse');
      return parsed.events[0];
    };
    const batch = new RoutingBatch();
    const batched = [await route(status(nowSeconds() - 2), batch), await route(status(nowSeconds() - 1), batch)];
    expect(batched.flat().map((r) => r.outcome)).toEqual(['no running journey', 'no running journey']);
    expect(signals).toBe(1);
    await route(status(nowSeconds() - 2));
    await route(status(nowSeconds() - 1));
    expect(signals).toBe(3);
  });
});
