// The HTTP service's /metrics: journeys by stage and people's waits by age, counted in Temporal's visibility; Meta's
// webhook deliveries by how they were answered. The sandbox sends its webhooks to this service.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { NumberStage, PortfolioId, WaitingOn, WaitingSince } from '../../src/domain/search-attributes.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhookBody } from '../../src/graph/signature.js';
import { createServiceMetrics } from '../../src/telemetry/metrics.js';
import { useBench } from '../support/bench.js';
import { APP_SECRET } from '../support/harness.js';
import { scrape, total } from '../support/prometheus.js';
import { startLive } from '../support/steps.js';
import { harnessHttpApp } from '../support/http-app.js';
import { uniqueTaskQueue } from '../support/temporal.js';

const POLL_MS = 500;

describe("the HTTP service's /metrics (dev server + Graph sandbox)", () => {
  const t = useBench('dev', { sandbox: { nameReviewDelayMs: 1_000 } });
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    const { bench } = t;
    // Counted in this bench's portfolio: other files on the shared dev server start and end journeys meanwhile.
    const metrics = createServiceMetrics(bench.env.client, { cacheMs: 0, portfolioId: bench.portfolioId });
    app = await harnessHttpApp(bench, { metrics });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    bench.sandbox.admin.setWebhookUrl(`${url}/webhooks/meta`);
  });
  afterAll(async () => {
    await app?.close();
  });

  const metric = async (name: string, labels: Record<string, string> = {}) =>
    total(await scrape(`${url}/metrics`), name, labels);
  /**
   * Visibility catches up with a stage change a moment later: polls until `value` holds (bounded). Twice a second:
   * a scrape here counts afresh (no cache), and visibility requests are rate-limited for the whole dev server, which
   * other files share.
   */
  const eventually = async (read: () => Promise<number>, expected: number, what: string) => {
    let last = NaN;
    for (let i = 0; i < 60; i++) {
      last = await read();
      if (last === expected) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new Error(`${what}: expected ${expected}, last scraped ${last}`);
  };

  it("counts running journeys by stage and people's waits by how long ago the journey started", async () => {
    const { bench } = t;
    const awaitingOtp = () => metric('numberflow_journeys', { stage: 'AWAITING_OTP' });
    const waiting = (olderThan: string) =>
      metric('numberflow_human_waits', { stage: 'AWAITING_OTP', older_than: olderThan });
    const [stageBefore, allBefore, oldBefore] = [await awaitingOtp(), await waiting('0s'), await waiting('15m')];
    await bench.run(async () => {
      const journeys = await Promise.all([bench.start(bench.input()), bench.start(bench.input())]);
      await Promise.all(journeys.map((j) => j.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP')));
      await eventually(awaitingOtp, stageBefore + 2, 'journeys in AWAITING_OTP');
      await eventually(() => waiting('0s'), allBefore + 2, 'waits for a code');
      expect(await waiting('15m')).toBe(oldBefore); // started seconds ago
    });
    const text = await scrape(`${url}/metrics`);
    for (const stage of ['AWAITING_OTP', 'AWAITING_PIN', 'AWAITING_NEW_NAME']) {
      expect(text).toContain(`numberflow_human_waits{stage="${stage}",older_than="3d"}`);
    }
  });

  it("counts a person's waits no stage names by what they wait on and how long ago each began", async () => {
    const { bench } = t;
    // Journeys as visibility shows them, on a task queue no worker polls: one waiting two hours for a Meta token,
    // one just begun waiting for an admin's deletion.
    const since = (ms: number) => new Date(Date.now() - ms);
    const waits = [
      ['token', since(2 * 3_600_000)],
      ['deletion', since(0)],
    ] as const;
    const started = await Promise.allSettled(
      waits.map(([on, at]) =>
        bench.env.client.workflow.start('numberJourney', {
          taskQueue: uniqueTaskQueue('person-waits'),
          workflowId: `person-wait-${on}-${randomUUID()}`,
          workflowExecutionTimeout: '10 minutes', // gone by itself should the test stop before terminating it
          args: [bench.input()],
          typedSearchAttributes: [
            { key: PortfolioId, value: bench.portfolioId },
            { key: NumberStage, value: 'ADDING' },
            { key: WaitingOn, value: on },
            { key: WaitingSince, value: at },
          ],
        }),
      ),
    );
    const handles = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    try {
      expect(handles).toHaveLength(waits.length);
      // Every figure read from one scrape, once visibility shows both journeys (it catches up a moment later).
      const figures = async () => {
        const text = await scrape(`${url}/metrics`);
        const waiting = (on: string, olderThan: string) =>
          total(text, 'numberflow_person_waits', { waiting_on: on, older_than: olderThan });
        return [
          ['token', '0s'],
          ['token', '1h'],
          ['token', '1d'],
          ['deletion', '0s'],
          ['deletion', '15m'],
          ['removal', '0s'],
        ].map(([on, olderThan]) => waiting(on as string, olderThan as string));
      };
      let last: number[] = [];
      for (let i = 0; i < 60 && JSON.stringify(last) !== JSON.stringify([1, 1, 0, 1, 0, 0]); i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        last = await figures();
      }
      expect(last).toEqual([1, 1, 0, 1, 0, 0]);
    } finally {
      await Promise.allSettled(handles.map((handle) => handle.terminate('test done')));
    }
  });

  it("counts Meta's webhook deliveries by how they were answered", async () => {
    const { bench } = t;
    const deliveries = (outcome: string) => metric('numberflow_webhook_deliveries_total', { outcome });
    const live = () => metric('numberflow_journeys', { stage: 'LIVE' });
    const liveBefore = await live();
    await bench.run(() => startLive(bench)); // ONBOARDING and the name's approval came through this service
    expect(await deliveries('routed')).toBeGreaterThanOrEqual(2);
    await eventually(live, liveBefore + 1, 'live journeys');

    const post = (body: string, signature?: string) =>
      fetch(`${url}/webhooks/meta`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(signature && { 'x-hub-signature-256': signature }) },
        body,
      });
    expect((await post('{"object":"whatsapp_business_account","entry":[]}')).status).toBe(401);
    expect((await post('not json', signWebhookBody('not json', APP_SECRET))).status).toBe(200);
    expect((await post('x'.repeat(3 * 1024 * 1024 + 2))).status).toBe(413); // refused before the handler
    expect(await deliveries('bad_signature')).toBe(1);
    expect(await deliveries('unusable')).toBe(1);
    expect(await deliveries('too_large')).toBe(1);
    expect(await deliveries('routing_failed')).toBe(0);
  }, 120_000); // about 5 s; a journey taken to LIVE under a loaded machine took over 60 s once
});
