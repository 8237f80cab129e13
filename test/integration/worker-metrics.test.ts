// `npm run worker` with NUMBERFLOW_METRICS_PORT: the Temporal runtime's Prometheus exporter serves the SDK's metrics
// and numberflow's Graph calls (by endpoint, outcome and Meta's code) on that port; the worker loads its prebuilt
// workflow bundle from the NUMBERFLOW_WORKFLOW_BUNDLE folder, as in the image.
import { afterAll, describe, expect, it } from 'vitest';
import { useBench } from '../support/bench.js';
import { APP_SECRET } from '../support/harness.js';
import { freeStablePorts, startWorkerProcess, type Spawned } from '../support/processes.js';
import { scrape, total } from '../support/prometheus.js';
import { startLive } from '../support/steps.js';

describe('the worker process with a metrics port (dev server + Graph sandbox)', () => {
  const t = useBench('dev', { sandbox: { nameReviewDelayMs: 1_000 } });
  let worker: Spawned | undefined;
  afterAll(async () => {
    worker?.child.kill('SIGTERM');
    await worker?.exit(15_000);
  });

  it("serves the SDK's metrics and the Graph calls of a journey by endpoint and Meta's error code", async () => {
    const { bench } = t;
    const [port] = await freeStablePorts(1);
    worker = await startWorkerProcess({
      taskQueue: bench.taskQueue,
      graphBaseUrl: bench.sandbox.url,
      token: bench.sandbox.admin.issueToken({ wabaIds: [bench.wabaId] }),
      appSecret: APP_SECRET,
      env: { NUMBERFLOW_METRICS_PORT: String(port) },
    });
    const url = `http://127.0.0.1:${port}/metrics`;
    const running = worker.lines.find((l) => l.msg === 'worker running');
    expect(running?.metrics).toBe(url);
    expect(running?.tracing).toBe(false); // on, it names where spans go
    // One transient Meta error (2, API Service) on the number's reads: retried inside the activity.
    bench.sandbox.admin.injectFault({ endpoint: 'GET /phone_number', kind: 'error', code: 2, times: 1 });
    const { view } = await startLive(bench);
    expect(view.stage).toBe('LIVE');

    const text = await scrape(url);
    const graphCalls = (labels: Record<string, string>) => total(text, 'numberflow_graph_calls_total', labels);
    expect(graphCalls({ endpoint: 'POST /{phone-number-id}/register', outcome: 'ok', code: '' })).toBe(1);
    expect(graphCalls({ endpoint: 'POST /{phone-number-id}/verify_code', outcome: 'ok' })).toBe(1);
    expect(graphCalls({ endpoint: 'GET /{phone-number-id}', outcome: 'meta_error', code: '2' })).toBe(1);
    // Every call of the number's journey is counted, by the template of its endpoint (never an id).
    const ofNumber = bench.sandbox.admin.calls().filter((c) => c.path.includes(view.phoneNumberId as string));
    for (const endpoint of new Set(ofNumber.map((c) => c.endpoint))) {
      expect(graphCalls({ endpoint }), endpoint).toBe(ofNumber.filter((c) => c.endpoint === endpoint).length);
    }

    const queue = { task_queue: bench.taskQueue };
    const sdk = (name: string, labels: Record<string, string> = {}) => total(text, name, { ...queue, ...labels });
    expect(
      sdk('temporal_workflow_task_execution_latency_seconds_count', { workflow_type: 'numberJourney' }),
    ).toBeGreaterThan(0);
    expect(sdk('temporal_activity_execution_latency_seconds_count')).toBeGreaterThan(0);
    // Its memory, which the service's process metrics do not cover: more than 50 MB resident, a heap within it.
    const resident = total(text, 'numberflow_worker_resident_memory_bytes');
    const heap = total(text, 'numberflow_worker_heap_used_bytes');
    expect(resident).toBeGreaterThan(50e6);
    expect(heap).toBeGreaterThan(1e6);
    expect(heap).toBeLessThan(resident);
  }, 90_000);
});
