// Tracing through Temporal's OpenTelemetry interceptors, to an OTLP/HTTP collector of the test's own on loopback:
// the client's start, the journey's workflow run and its activities, in one trace. And histories recorded without
// tracing replay with the tracing interceptors on, so switching tracing on is safe for running journeys.
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, WorkflowFailedError } from '@temporalio/client';
import proto from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, tracingEnabled } from '../../src/config.js';
import { journeyQuery } from '../../src/domain/journey.js';
import { startJourney } from '../../src/journeys/index.js';
import { startTracing, type Tracing } from '../../src/telemetry/tracing.js';
import { interceptorModulesFor, workflowsPath } from '../../src/temporal/workflow-bundle.js';
import { useBench } from '../support/bench.js';
import { fixturesDir, readManifest } from '../support/fixtures.js';
import { numberflowWorker } from '../support/numberflow-worker.js';
import { testDataConverter } from '../support/temporal.js';

interface ExportedSpan {
  name: string;
  traceId: string;
  service: string;
  attributes: string[];
}

/** An OTLP/HTTP collector (JSON) that keeps every span it is sent. */
async function startCollector(): Promise<{ url: string; spans: ExportedSpan[]; server: Server }> {
  const spans: ExportedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      type Body = {
        resourceSpans?: {
          resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
          scopeSpans?: { spans?: { name: string; traceId: string; attributes?: { key: string }[] }[] }[];
        }[];
      };
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body;
      for (const { resource, scopeSpans } of body.resourceSpans ?? []) {
        const service = resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const scope of scopeSpans ?? []) {
          for (const { name, traceId, attributes } of scope.spans ?? []) {
            spans.push({ name, traceId, service, attributes: (attributes ?? []).map((a) => a.key) });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}`, spans, server };
}

describe('tracing (dev server + Graph sandbox, a collector on loopback)', () => {
  const t = useBench('dev');
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let tracing: Tracing | undefined;
  beforeAll(async () => {
    collector = await startCollector();
  });
  afterAll(async () => {
    await tracing?.shutdown();
    await new Promise((resolve) => collector?.server.close(resolve));
  });

  it('is off unless an OTLP endpoint or NUMBERFLOW_TRACING=1 is set', async () => {
    expect(tracingEnabled(loadConfig({}))).toBe(false);
    expect(await startTracing(loadConfig({}), 'numberflow-worker')).toBeUndefined();
    expect(tracingEnabled(loadConfig({ NUMBERFLOW_TRACING: '1' }))).toBe(true);
    expect(tracingEnabled(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }))).toBe(true);
    expect(
      tracingEnabled(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', NUMBERFLOW_TRACING: '0' })),
    ).toBe(false);
  });

  it('stops quietly, with a warning naming the collector, when the collector cannot take the last spans', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve)); // nothing listens there now
    const warnings: string[] = [];
    const config = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
    const unreachable = await startTracing(config, 'numberflow-worker', (message) => void warnings.push(message));
    const { trace } = await import('@opentelemetry/api');
    trace.getTracer('test').startSpan('buffered').end();
    await expect(unreachable?.shutdown()).resolves.toBeUndefined(); // it failed the worker's exit
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`tracing: the last spans were not sent to http://127.0.0.1:${port}/v1/traces:`);
  });

  it("exports the client's start, the workflow's run and its activities as one trace", async () => {
    const { bench } = t;
    const config = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: 'numberflow-test' });
    tracing = await startTracing(config, 'numberflow-worker');
    if (!tracing) throw new Error('tracing did not start');
    const client = new Client({
      connection: bench.env.client.connection,
      namespace: bench.env.client.options.namespace,
      dataConverter: testDataConverter,
      interceptors: tracing.clientInterceptors,
    });
    const worker = await numberflowWorker(bench, config, tracing);
    await worker.runUntil(async () => {
      const { workflowId } = await startJourney(client, bench.taskQueue, bench.input());
      const handle = client.workflow.getHandle(workflowId);
      for (let i = 0; i < 600 && (await handle.query(journeyQuery)).stage !== 'AWAITING_OTP'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await handle.cancel(); // the run ends, and so does its span
      await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    });
    await tracing.shutdown(); // sends what is buffered

    const names = collector.spans.map((s) => s.name);
    expect(names).toContain('StartWorkflow:numberJourney');
    expect(names).toContain('RunWorkflow:numberJourney');
    expect(names.filter((n) => n.startsWith('StartActivity:')).length).toBeGreaterThan(0);
    expect(names.filter((n) => n.startsWith('RunActivity:')).length).toBeGreaterThan(0);
    const traceOf = (name: string) => collector.spans.find((s) => s.name === name)?.traceId;
    expect(traceOf('RunWorkflow:numberJourney')).toBe(traceOf('StartWorkflow:numberJourney'));
    const runActivity = collector.spans.find((s) => s.name.startsWith('RunActivity:'));
    expect(runActivity?.traceId).toBe(traceOf('StartWorkflow:numberJourney'));
    expect(new Set(collector.spans.map((s) => s.service))).toEqual(new Set(['numberflow-test']));
    // A workflow span names its run, not the whole WorkflowInfo (search attributes, memo, the last failure …).
    const run = collector.spans.find((s) => s.name === 'RunWorkflow:numberJourney');
    expect(run?.attributes).toEqual(expect.arrayContaining(['workflowId', 'runId', 'workflowType', 'taskQueue']));
    for (const span of collector.spans) {
      expect(span.attributes).not.toContain('searchAttributes');
      expect(span.attributes).not.toContain('typedSearchAttributes');
      expect(span.attributes).not.toContain('memo');
    }
  }, 90_000);

  it('replays every recorded history with the tracing interceptors in the bundle', async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath,
      workflowInterceptorModules: interceptorModulesFor(true),
      logger: new DefaultLogger('WARN'),
    });
    const histories = readManifest().fixtures.map((name) => ({
      workflowId: name,
      history: proto.temporal.api.history.v1.History.decode(readFileSync(join(fixturesDir, name))),
    }));
    const config = loadConfig({ NUMBERFLOW_TRACING: '1' });
    const replaying = await startTracing(config, 'numberflow-replay');
    const failures: string[] = [];
    try {
      const replay = Worker.runReplayHistories(
        { workflowBundle: { code }, dataConverter: testDataConverter, sinks: replaying?.sinks },
        histories,
      );
      for await (const result of replay)
        if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    } finally {
      await replaying?.shutdown();
    }
    expect(histories.length).toBeGreaterThanOrEqual(40);
    expect(failures).toEqual([]);
  }, 180_000);
});
