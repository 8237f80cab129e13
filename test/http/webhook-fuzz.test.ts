// Property-based proof that the webhook receiver holds up against whatever reaches it: random, truncated,
// mutated, signed-garbage, deeply nested, oversized and signed-but-hostile bodies. The receiver is the real one,
// on the test dev server and a Graph sandbox; the workflows its hostile inputs name really exist (started on a
// task queue no worker polls, so their histories show every signal they get), and must get none.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portfolioWorkflowId } from '../../src/domain/portfolio.js';
import { PortfolioId, WabaId } from '../../src/domain/search-attributes.js';
import { GraphClient } from '../../src/graph/client.js';
import { signWebhookBody } from '../../src/graph/signature.js';
import { staticTokenProvider } from '../../src/graph/tokens.js';
import { WEBHOOK_MAX_BYTES } from '../../src/graph/webhooks.js';
import { connect } from 'node:net';
import { buildHttpApp } from '../../src/http/app.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { freshId, freshNumber } from '../support/journeys.js';
import { connectDevServer, type TestEnv } from '../support/temporal.js';
import {
  billableStatus,
  capturedLogger,
  envelope,
  nowSeconds,
  post,
  qualityUpdate,
  signalCount,
  type Change,
} from './support.js';

const SECRET = 'fuzz-app-secret-5c1d';
const SEED = 20_250_611;

describe('webhook receiver under fuzzing (dev server + Graph sandbox)', () => {
  let env: TestEnv;
  let sandbox: Sandbox;
  let graph: GraphClient;
  let app: FastifyInstance;
  const log = capturedLogger();
  let wabaId: string;
  let digits: string;
  const journeyId = () => `number:+${digits}`;
  let portfolioId: string;
  let requests = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();

  beforeAll(async () => {
    env = await connectDevServer();
    sandbox = await startSandbox({ appSecret: SECRET });
    ({ portfolioId } = sandbox.admin.createPortfolio({ portfolioId: freshId() }));
    ({ wabaId } = sandbox.admin.createWaba({ portfolioId, wabaId: freshId() }));
    graph = new GraphClient({
      baseUrl: sandbox.url,
      tokens: staticTokenProvider(sandbox.admin.issueToken({ wabaIds: [wabaId] })),
    });
    digits = freshNumber().slice(1);
    const taskQueue = `fuzz-no-worker-${randomUUID()}`;
    // Real workflows no worker runs: every webhook routed to them stays in their history as a signal.
    await env.client.workflow.start('numberJourney', {
      taskQueue,
      workflowId: journeyId(),
      args: [],
      typedSearchAttributes: [
        { key: WabaId, value: wabaId },
        { key: PortfolioId, value: portfolioId },
      ],
    });
    await env.client.workflow.start('portfolio', { taskQueue, workflowId: portfolioWorkflowId(portfolioId), args: [] });
    app = await buildHttpApp({
      client: env.client,
      taskQueue,
      appSecret: SECRET,
      verifyToken: 'v',
      logger: log.logger,
      graph,
    });
  });

  afterAll(async () => {
    for (const id of [journeyId(), portfolioWorkflowId(portfolioId)]) {
      await env.client.workflow
        .getHandle(id)
        .terminate('fuzz done')
        .catch(() => undefined);
    }
    await app?.close();
    await graph?.close();
    await sandbox?.close();
    await env?.teardown();
  });

  const send = (body: string | Buffer, signature: string | null) => {
    requests++;
    return post(app, body, signature);
  };
  const signed = (body: string | Buffer) => send(body, signWebhookBody(body, SECRET));

  /** Changes that would be routed to the two workflows if their envelope let them through. */
  const routable = (): fc.Arbitrary<Change> =>
    fc.constantFrom<Change>(
      qualityUpdate(digits),
      billableStatus(digits, String(nowSeconds())),
      {
        field: 'phone_number_name_update',
        value: { display_phone_number: digits, decision: 'APPROVED', requested_verified_name: 'Acme' },
      },
      { field: 'business_capability_update', value: { max_phone_numbers_per_business: 20 } },
      { field: 'account_update', value: { event: 'ACCOUNT_VIOLATION', violation_info: { violation_type: 'SPAM' } } },
    );
  const validBody = () => envelope([{ id: wabaId, time: nowSeconds(), changes: [qualityUpdate(digits)] }]);

  const implausibleTime = fc.oneof(
    fc.constantFrom(1e20, -1, 0, 1e9, 1.7976931348623157e308, 2 ** 53),
    fc.integer({ min: nowSeconds() + 400 * 86_400, max: nowSeconds() + 1e10 }), // beyond the year allowed
    fc.double({ min: -1e300, max: 1e9, noNaN: true }),
  );
  const implausibleTimestamp = fc.oneof(
    implausibleTime.map((t) => String(t)),
    fc.string({ maxLength: 30 }),
    fc.constant(String(Math.floor(Date.UTC(5138, 0, 1) / 1000))),
  );
  const bigDigits = fc.integer({ min: 16, max: 400 }).map((n) => '9'.repeat(n));

  /** Signed envelopes whose every change is unusable, by one of the ways Meta would never send. */
  const hostileEnvelope: fc.Arbitrary<string> = fc.oneof(
    // Implausible entry.time: even routable changes are refused.
    fc
      .tuple(implausibleTime, fc.array(routable(), { minLength: 1, maxLength: 5 }))
      .map(([time, changes]) => envelope([{ id: wabaId, time, changes }])),
    // Any value at all under a known or unknown field, behind an implausible time.
    fc
      .tuple(
        implausibleTime,
        fc.constantFrom('messages', 'account_update', 'business_capability_update', 'phone_number_name_update', 'x'),
        fc.anything({ maxDepth: 4 }),
      )
      .map(([time, field, value]) => envelope([{ id: wabaId, time, changes: [{ field, value }] }])),
    // A WABA id that is no Graph id.
    fc
      .tuple(fc.oneof(fc.string({ maxLength: 50 }), bigDigits), fc.array(routable(), { minLength: 1, maxLength: 3 }))
      .filter(([id]) => !/^\d{1,32}$/.test(id))
      .map(([id, changes]) => envelope([{ id, time: nowSeconds(), changes }])),
    // A billable status dated outside the window.
    implausibleTimestamp.map((ts) => envelope([{ id: wabaId, changes: [billableStatus(digits, ts)] }])),
    // A number no E.164 number could be.
    bigDigits.map((d) => envelope([{ id: wabaId, time: nowSeconds(), changes: [qualityUpdate(d)] }])),
    // Entries and changes of the wrong shape.
    fc
      .array(fc.anything({ maxDepth: 3 }), { maxLength: 20 })
      .map((entry) => JSON.stringify({ object: 'whatsapp_business_account', entry })),
  );

  it('refuses unsigned, badly signed, mutated and truncated bodies with 401, signalling nothing', async () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 2_000 }).map((bytes) => Buffer.from(bytes)),
      fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
      fc.constant(validBody()),
    );
    const badSignature = fc.option(fc.oneof(fc.string({ maxLength: 80 }), fc.stringMatching(/^sha256=[0-9a-f]{64}$/)), {
      nil: null,
    });
    await fc.assert(
      fc.asyncProperty(body, badSignature, async (payload, signature) => {
        expect((await send(payload, signature)).statusCode).toBe(401);
      }),
      { numRuns: 800, seed: SEED },
    );
    // Signed, then altered: one byte changed, or cut short.
    const valid = Buffer.from(validBody());
    const signature = signWebhookBody(valid, SECRET);
    const altered = fc.oneof(
      fc
        .tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 1, max: 255 }))
        .map(([at, xor]) => Buffer.from(valid.map((b, i) => (i === at ? b ^ xor : b)))),
      fc.nat({ max: valid.length - 1 }).map((n) => valid.subarray(0, n)),
    );
    await fc.assert(
      fc.asyncProperty(altered, async (payload) => {
        expect((await send(payload, signature)).statusCode).toBe(401);
      }),
      { numRuns: 600, seed: SEED },
    );
  });

  it('takes signed garbage, truncated JSON and deeply nested bodies with 200, signalling nothing', async () => {
    const valid = validBody();
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 4_000 }).map((bytes) => Buffer.from(bytes)),
      fc.string({ maxLength: 2_000 }),
      fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
      fc.nat({ max: valid.length - 1 }).map((n) => valid.slice(0, n)),
    );
    await fc.assert(
      fc.asyncProperty(garbage, async (payload) => {
        expect((await signed(payload)).statusCode).toBe(200);
      }),
      { numRuns: 1_000, seed: SEED },
    );
    const nested = fc
      .tuple(fc.integer({ min: 1, max: 500_000 }), fc.constantFrom('[]', '{"a":}'))
      .map(([depth, kind]) => {
        const [open, close] = kind === '[]' ? ['[', ']'] : ['{"a":', '}'];
        const value = `${open.repeat(depth)}1${close.repeat(depth)}`;
        return `{"object":"whatsapp_business_account","entry":[{"id":"${wabaId}","time":${nowSeconds()},"changes":[{"field":"messages","value":${value}}]}]}`;
      });
    await fc.assert(
      fc.asyncProperty(nested, async (payload) => {
        expect((await signed(payload)).statusCode).toBe(200);
      }),
      { numRuns: 30, seed: SEED },
    );
  });

  it('refuses bodies over 3 MB with 413, signed or not', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 64 * 1024 }), fc.boolean(), async (extra, sign) => {
        const payload = Buffer.alloc(WEBHOOK_MAX_BYTES + extra, 0x20);
        expect((await send(payload, sign ? signWebhookBody(payload, SECRET) : null)).statusCode).toBe(413);
      }),
      { numRuns: 8, seed: SEED },
    );
  });

  it('answers signed but hostile envelopes with 200 and routes none of their changes', async () => {
    await fc.assert(
      fc.asyncProperty(hostileEnvelope, async (payload) => {
        const answer = await signed(payload);
        expect(answer.statusCode).toBe(200);
      }),
      { numRuns: 1_500, seed: SEED },
    );
    // More statuses in one change than Meta batches: refused before validation, the billable ones unread.
    const paid = billableStatus(digits, String(nowSeconds())).value as { statuses: unknown[] };
    const oversized = { ...paid, statuses: Array<unknown>(5_000).fill(paid.statuses[0]) };
    const answer = await signed(envelope([{ id: wabaId, changes: [{ field: 'messages', value: oversized }] }]));
    expect(answer.statusCode).toBe(200);
  });

  it('answers a body that never finishes arriving 408 and closes, instead of holding the connection', async () => {
    const slow = await buildHttpApp({
      client: env.client,
      taskQueue: 'fuzz-no-worker',
      appSecret: SECRET,
      verifyToken: 'v',
      logger: log.logger,
      graph,
      requestTimeoutMs: 1_000,
    });
    try {
      const address = await slow.listen({ port: 0, host: '127.0.0.1' });
      const { port } = new URL(address);
      const socket = connect(Number(port), '127.0.0.1');
      const answer = new Promise<string>((resolve) => {
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
        socket.on('close', () => resolve(text));
      });
      socket.write(
        'POST /webhooks/meta HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"object"',
      );
      expect(await answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n[^]*"the request took too long to arrive"/);
    } finally {
      await slow.close();
    }
  });

  it('signalled nothing, stayed up, and kept memory and logs bounded over the whole run', async () => {
    expect(await signalCount(env.client, journeyId())).toBe(0);
    expect(await signalCount(env.client, portfolioWorkflowId(portfolioId))).toBe(0);
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    const longest = Math.max(...log.lines.map((line) => line.length));
    const total = log.lines.reduce((sum, line) => sum + line.length, 0);
    const figures = {
      requests,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      heapGrowthMb: Math.round(heapGrowth / 1e5) / 10,
      logLines: log.lines.length,
      longestLogLine: longest,
      logBytesPerRequest: Math.round(total / requests),
    };
    console.info('webhook fuzz figures', figures);
    expect(heapGrowth).toBeLessThan(300 * 1024 * 1024);
    expect(longest).toBeLessThan(3_000);
    expect(total / requests).toBeLessThan(1_000);
    // A valid delivery after all that is still routed.
    expect((await signed(validBody())).statusCode).toBe(200);
    expect(await signalCount(env.client, journeyId())).toBe(1);
  });
});
