// A worker's memory on the runtime's Prometheus port, where the service's /metrics has prom-client's process metrics:
// its resident set (the workflow threads' heaps included) and the main thread's V8 heap — what to watch when raising
// WORKER_MAX_CACHED_WORKFLOWS.
import type { MetricMeter } from '@temporalio/common';

/** Reads the process' memory every `everyMs` into two gauges; the returned function stops it. */
export function reportWorkerMemory(meter: MetricMeter, everyMs = 10_000): () => void {
  const resident = meter.createGauge(
    'numberflow_worker_resident_memory_bytes',
    'int',
    undefined, // named in bytes: the exporter adds no unit to a gauge's name
    "the worker process' resident set size, its workflow threads included",
  );
  const heap = meter.createGauge(
    'numberflow_worker_heap_used_bytes',
    'int',
    undefined,
    "the main thread's V8 heap in use",
  );
  const read = () => {
    const { rss, heapUsed } = process.memoryUsage();
    resident.set(rss);
    heap.set(heapUsed);
  };
  read();
  const timer = setInterval(read, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
