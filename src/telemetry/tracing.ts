// OpenTelemetry tracing through Temporal's interceptors: client spans (start, signal, update, query) whose context
// travels in the headers, workflow spans (made inside the sandbox, exported through a sink) and activity spans, sent
// to an OTLP/HTTP collector. Off by default: then none of these packages is even loaded.
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors } from '@temporalio/client';
import type { WorkerInterceptors, WorkerOptions } from '@temporalio/worker';
import { tracingEnabled, type Config } from '../config.js';
import { within } from '../within.js';

export interface Tracing {
  clientInterceptors: ClientInterceptors;
  activityInterceptors: NonNullable<WorkerInterceptors['activity']>;
  /** The `exporter` sink the workflow interceptors send their spans through. */
  sinks: NonNullable<WorkerOptions['sinks']>;
  /** Sends the spans still buffered. */
  shutdown(): Promise<void>;
}

type WorkflowExporterSink = Tracing['sinks'][string];

/**
 * The SDK's workflow span exporter copies the whole WorkflowInfo into every workflow span's attributes — search
 * attributes (a journey's WABA, portfolio, stage, who started it), memo, the last failure, the parent — most of it no
 * valid attribute value. Its spans name the run only: its id, run id, type, task queue, namespace and attempt.
 */
function namingTheRunOnly(sink: WorkflowExporterSink): WorkflowExporterSink {
  const exported = sink.export;
  if (!exported) return sink;
  return {
    ...sink,
    export: {
      ...exported,
      fn: (info, ...spans) => {
        const { workflowId, runId, workflowType, taskQueue, namespace, attempt } = info;
        // Only read by the SDK's exporter, which copies the fields it is given onto the spans.
        const named = { workflowId, runId, workflowType, taskQueue, namespace, attempt } as typeof info;
        return exported.fn(named, ...spans);
      },
    },
  };
}

/** Where spans go: OTLP/HTTP's traces path under OTEL_EXPORTER_OTLP_ENDPOINT, or a collector on this machine. */
export function tracesUrl(config: Config): string {
  const base = config.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318';
  // The path goes before a query (a key given as a parameter), not after it: spans went to `/` without the key.
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/traces`;
  return url.toString();
}

/** Where spans go, as logs may say it: without a user, password or query the endpoint's address may carry. */
export function shownTracesUrl(config: Config): string {
  const url = tracesUrl(config);
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password && !parsed.search) return url;
    parsed.username = '';
    parsed.password = '';
    parsed.search = ''; // a key given as a parameter
    return parsed.toString();
  } catch {
    return url;
  }
}

/** A collector that takes no spans is said once, then at most this often, with the spans lost meanwhile. */
const REPORT_EVERY_MS = 5 * 60_000;

/**
 * The exporter, telling `warn` when spans could not be sent (no collector, a wrong address): OpenTelemetry drops
 * them without a word, and tracing that silently sends nothing looks like tracing that works.
 */
export function reportingFailures(
  exporter: SpanExporter,
  url: string,
  warn: (message: string) => void,
  now: () => number = Date.now,
): SpanExporter {
  let saidAt = Number.NEGATIVE_INFINITY;
  let lost = 0;
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        if (result.code !== EXPORT_SUCCESS) {
          lost += spans.length;
          if (now() - saidAt >= REPORT_EVERY_MS) {
            saidAt = now();
            warn(
              `tracing: ${lost} spans not sent to ${url}: ${result.error?.message ?? 'refused'} (said again at most every 5 minutes)`,
            );
            lost = 0;
          }
        }
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

/** OpenTelemetry's ExportResultCode.SUCCESS (its module loads only with tracing on). */
const EXPORT_SUCCESS = 0;

/** How long a stop waits to send the spans still buffered. */
const FLUSH_MS = 5_000;

/**
 * Starts tracing when the configuration asks for it (tracingEnabled); `serviceName` unless OTEL_SERVICE_NAME. A
 * collector that cannot take the last spans at the stop is told to `warn`: the stop goes on, as it does without
 * tracing (it failed the worker's exit, naming no more than "connect ECONNREFUSED").
 */
export async function startTracing(
  config: Config,
  serviceName: string,
  warn: (message: string) => void = () => undefined,
): Promise<Tracing | undefined> {
  if (!tracingEnabled(config)) return undefined;
  const [{ NodeTracerProvider }, { BatchSpanProcessor }, { OTLPTraceExporter }, { Resource }, temporal, api] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('@temporalio/interceptors-opentelemetry'),
      import('@opentelemetry/api'),
    ]);
  const resource = new Resource({ 'service.name': config.OTEL_SERVICE_NAME ?? serviceName });
  let stopping = false; // the stop says itself what it could not send
  const exporter = reportingFailures(new OTLPTraceExporter({ url: tracesUrl(config) }), shownTracesUrl(config), (m) => {
    if (!stopping) warn(m);
  });
  const processor = new BatchSpanProcessor(exporter);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register(); // the global tracer, W3C trace-context propagation, and async context for activities
  return {
    clientInterceptors: { workflow: [new temporal.OpenTelemetryWorkflowClientInterceptor()] },
    activityInterceptors: [
      (ctx) => ({
        inbound: new temporal.OpenTelemetryActivityInboundInterceptor(ctx),
        outbound: new temporal.OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
    sinks: { exporter: namingTheRunOnly(temporal.makeWorkflowExporter(processor, resource)) },
    // Undoes register() too, so that a process (a test worker, say) that tracing leaves keeps no global tracer.
    async shutdown() {
      stopping = true;
      try {
        await within(provider.shutdown(), FLUSH_MS, `no answer within ${FLUSH_MS / 1000} s`);
      } catch (err) {
        warn(
          `tracing: the last spans were not sent to ${shownTracesUrl(config)}: ${err instanceof Error ? err.message : String(err)}`,
        );
      } finally {
        api.trace.disable();
        api.context.disable();
        api.propagation.disable();
      }
    },
  };
}
