import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portfolioQuery, portfolioWorkflowId } from '../../src/domain/portfolio.js';
import { GraphClient } from '../../src/graph/client.js';
import { staticTokenProvider } from '../../src/graph/tokens.js';
import { buildHttpApp } from '../../src/http/app.js';
import { readVerifiedWebhook, webhookEvents } from '../../src/graph/webhooks.js';
import { createWebhookRouter } from '../../src/http/webhook-router.js';
import { useBench } from '../support/bench.js';
import { freshId, freshNumber } from '../support/journeys.js';
import {
  billableStatus,
  capturedLogger,
  envelope,
  nowSeconds,
  postSigned,
  qualityUpdate,
  signalCount,
  waitingJourney,
} from './support.js';
import { harnessHttpApp } from '../support/http-app.js';

const SECRET = 'bookkeeping-test-secret';

describe('webhook receiver: hostile changes and bookkeeping (dev server + Graph sandbox)', () => {
  const t = useBench('dev');
  let app: FastifyInstance;
  const log = capturedLogger();
  beforeAll(async () => {
    app = await harnessHttpApp(t.bench, { appSecret: SECRET, logger: log.logger });
  });
  afterAll(async () => app?.close());

  const send = (body: string) => postSigned(app, body, SECRET);
  /** Until visibility lists the run (with `where` too), as the router would look for it. */
  const eventuallyListed = async (workflowId: string, where = '') => {
    for (let i = 0; i < 100; i++) {
      const listed = t.env.client.workflow.list({ query: `WorkflowId = '${workflowId}'${where}` });
      for await (const _run of listed) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${workflowId} never listed`);
  };

  it('refuses an entry.time of 1e20 within a 200 and still routes the changes after it', async () => {
    await t.bench.run(async () => {
      const { journey, digits } = await waitingJourney(t.bench);
      const before = await signalCount(t.env.client, journey.workflowId);
      const body = envelope([
        { id: t.bench.wabaId, time: 1e20, changes: [qualityUpdate(digits)] },
        { id: t.bench.wabaId, time: nowSeconds(), changes: [qualityUpdate(digits)] },
      ]);
      const answer = await send(body);
      expect(answer.statusCode).toBe(200);
      expect(await signalCount(t.env.client, journey.workflowId)).toBe(before + 1);
    });
  });

  it('routes the good change of a batch whose first change fails to route, and answers 500 for Meta to retry', async () => {
    await t.bench.run(async () => {
      const { journey, digits } = await waitingJourney(t.bench);
      const before = await signalCount(t.env.client, journey.workflowId);
      const unknownWaba = freshId(); // Graph knows no such WABA: resolving its portfolio fails
      const body = envelope([
        {
          id: unknownWaba,
          time: nowSeconds(),
          changes: [{ field: 'business_capability_update', value: { max_phone_numbers_per_business: 20 } }],
        },
        { id: t.bench.wabaId, time: nowSeconds(), changes: [qualityUpdate(digits)] },
      ]);
      expect((await send(body)).statusCode).toBe(500);
      expect(await signalCount(t.env.client, journey.workflowId)).toBe(before + 1);
    });
  });

  it('refuses a billable status dated in the year 5138, so a present one is still routed', async () => {
    await t.bench.run(async () => {
      const { journey, digits } = await waitingJourney(t.bench);
      const before = await signalCount(t.env.client, journey.workflowId);
      const year5138 = String(Math.floor(Date.UTC(5138, 0, 1) / 1000));
      expect(
        (await send(envelope([{ id: t.bench.wabaId, changes: [billableStatus(digits, year5138)] }]))).statusCode,
      ).toBe(200);
      expect(await signalCount(t.env.client, journey.workflowId)).toBe(before);
      const present = envelope([{ id: t.bench.wabaId, changes: [billableStatus(digits, String(nowSeconds()))] }]);
      expect((await send(present)).statusCode).toBe(200);
      expect(await signalCount(t.env.client, journey.workflowId)).toBe(before + 1);
    });
  });

  it('tells a journey of a paid message it missed while not running yet: the throttle counts only a signal sent', async () => {
    await t.bench.run(async () => {
      const input = t.bench.input({ phoneNumber: freshNumber() });
      const digits = input.phoneNumber.e164.slice(1);
      const paid = () => envelope([{ id: t.bench.wabaId, changes: [billableStatus(digits, String(nowSeconds()))] }]);
      expect((await send(paid())).statusCode).toBe(200); // no journey yet
      const journey = await t.bench.start(input);
      await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const before = await signalCount(t.env.client, journey.workflowId);
      expect((await send(paid())).statusCode).toBe(200); // within the hour of the first
      expect(await signalCount(t.env.client, journey.workflowId)).toBe(before + 1);
    });
  });

  it('answers a million-item entry array at once, 200, with a bounded log line', async () => {
    const body = `{"object":"whatsapp_business_account","entry":[${Array(1_000_000).fill('0').join(',')}]}`;
    const lines = log.lines.length;
    const started = performance.now();
    expect((await send(body)).statusCode).toBe(200);
    expect(performance.now() - started).toBeLessThan(2_000);
    const written = log.lines.slice(lines);
    expect(written.length).toBeGreaterThan(0);
    expect(Math.max(...written.map((line) => line.length))).toBeLessThan(2_000);
  });

  it("takes no portfolio cap from a capability update that gives only the WABA's (max_phone_numbers_per_waba)", async () => {
    const { portfolioId } = t.bench.sandbox.admin.createPortfolio({ portfolioId: freshId() });
    const { wabaId } = t.bench.sandbox.admin.createWaba({ portfolioId, wabaId: freshId() });
    const graph = new GraphClient({
      baseUrl: t.bench.sandbox.url,
      tokens: staticTokenProvider(t.bench.sandbox.admin.issueToken({ wabaIds: [wabaId] })),
    });
    const route = createWebhookRouter({ client: t.env.client, taskQueue: t.bench.taskQueue, graph });
    const body = (value: Record<string, number>) => {
      const read = readVerifiedWebhook(
        Buffer.from(
          envelope([{ id: wabaId, time: nowSeconds(), changes: [{ field: 'business_capability_update', value }] }]),
        ),
      );
      if (!read.ok) throw new Error(read.reason);
      return webhookEvents(read.envelope, Date.now());
    };
    const [perWaba] = body({ max_phone_numbers_per_waba: 25 });
    expect(await route(perWaba as NonNullable<typeof perWaba>)).toEqual([
      {
        field: 'business_capability_update',
        target: null,
        outcome:
          "no registered-number cap of the business in it (max_phone_numbers_per_waba 25 is the WABA's, not the portfolio's)",
      },
    ]);
    const handle = t.env.client.workflow.getHandle(portfolioWorkflowId(portfolioId));
    await expect(handle.describe()).rejects.toThrow(); // no portfolio started with the WABA's figure as its cap
    // Both: the business's is the cap.
    const [both] = body({ max_phone_numbers_per_waba: 25, max_phone_numbers_per_business: 9 });
    await t.bench.run(async () => {
      expect(await route(both as NonNullable<typeof both>)).toMatchObject([{ outcome: 'signalled' }]);
      expect((await handle.query(portfolioQuery)).cap).toBe(9);
    });
    await handle.terminate('test done');
    await graph.close();
  });

  it('takes no cap from the portfolio a journey names for a WABA Meta cannot be asked about: the update fails', async () => {
    // Another business's WABA, which no token here reads; a journey started on it in this portfolio by mistake.
    const { portfolioId: elsewhere } = t.bench.sandbox.admin.createPortfolio({ portfolioId: freshId() });
    const { wabaId } = t.bench.sandbox.admin.createWaba({ portfolioId: elsewhere, wabaId: freshId() });
    await t.bench.run(async () => {
      const mistaken = await t.bench.start(t.bench.input({ wabaId }));
      await eventuallyListed(mistaken.workflowId);
      const portfolio = t.env.client.workflow.getHandle(portfolioWorkflowId(t.bench.portfolioId));
      const before = (await portfolio.query(portfolioQuery)).cap;
      const capability = envelope([
        {
          id: wabaId,
          time: nowSeconds(),
          changes: [{ field: 'business_capability_update', value: { max_phone_numbers_per_business: 2 } }],
        },
      ]);
      expect((await send(capability)).statusCode).toBe(500); // not routed: Meta delivers it again
      expect((await portfolio.query(portfolioQuery)).cap).toBe(before);
      // Ended already, as it may be: the WABA's owner read refused for good.
      await t.env.client.workflow
        .getHandle(mistaken.workflowId)
        .terminate('test done')
        .catch(() => undefined);
    });
  });

  it('takes the cap to the portfolio that admitted a running journey of a WABA Meta cannot be asked about now', async () => {
    // A token for another WABA only: the owner of the bench's cannot be read (a token revoked, say).
    const { wabaId: other } = t.bench.sandbox.admin.createWaba({ portfolioId: t.bench.portfolioId, wabaId: freshId() });
    const graph = new GraphClient({
      baseUrl: t.bench.sandbox.url,
      tokens: staticTokenProvider(t.bench.sandbox.admin.issueToken({ wabaIds: [other] })),
    });
    const receiver = await harnessHttpApp(t.bench, { appSecret: SECRET, logger: log.logger, graph });
    try {
      await t.bench.run(async () => {
        const { journey } = await waitingJourney(t.bench); // admitted: past WAITING_FOR_CAPACITY
        await eventuallyListed(journey.workflowId, " AND NumberStage != 'WAITING_FOR_CAPACITY'");
        const portfolio = t.env.client.workflow.getHandle(portfolioWorkflowId(t.bench.portfolioId));
        const { cap } = await portfolio.query(portfolioQuery);
        const capability = envelope([
          {
            id: t.bench.wabaId,
            time: nowSeconds(),
            changes: [{ field: 'business_capability_update', value: { max_phone_numbers_per_business: cap } }],
          },
        ]);
        const lines = log.lines.length;
        expect((await postSigned(receiver, capability, SECRET)).statusCode).toBe(200);
        expect(log.lines.slice(lines).join('\n')).toContain(`"target":"portfolio:${t.bench.portfolioId}"`);
      });
    } finally {
      await receiver.close();
      await graph.close();
    }
  });

  it('starts the portfolio of a WABA no journey knows yet, with the cap a capability update sends (twice: same cap)', async () => {
    const { portfolioId } = t.bench.sandbox.admin.createPortfolio({ portfolioId: freshId() });
    const { wabaId } = t.bench.sandbox.admin.createWaba({ portfolioId, wabaId: freshId() });
    const graph = new GraphClient({
      baseUrl: t.bench.sandbox.url,
      tokens: staticTokenProvider(t.bench.sandbox.admin.issueToken({ wabaIds: [wabaId] })),
    });
    const receiver = await buildHttpApp({
      client: t.env.client,
      taskQueue: t.bench.taskQueue,
      appSecret: SECRET,
      verifyToken: 'v',
      logger: log.logger,
      graph,
    });
    const capability = envelope([
      {
        id: wabaId,
        time: nowSeconds(),
        changes: [{ field: 'business_capability_update', value: { max_phone_numbers_per_business: 7 } }],
      },
    ]);
    const handle = t.env.client.workflow.getHandle(portfolioWorkflowId(portfolioId));
    try {
      await t.bench.run(async () => {
        expect((await postSigned(receiver, capability, SECRET)).statusCode).toBe(200);
        const once = await handle.query(portfolioQuery);
        expect(once.cap).toBe(7);
        expect((await postSigned(receiver, capability, SECRET)).statusCode).toBe(200);
        expect(await handle.query(portfolioQuery)).toEqual(once);
      });
    } finally {
      await handle.terminate('test done').catch(() => undefined);
      await receiver.close();
      await graph.close();
    }
  });
});
