// Spans a collector does not take are said, not dropped in silence: the first failure at once, then at most every
// five minutes with the count lost since; a configured endpoint must be an http(s) URL.
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { reportingFailures, shownTracesUrl, tracesUrl } from '../../src/telemetry/tracing.js';

describe('tracing without a collector', () => {
  it('says the spans it could not send, the first time and then every five minutes at most', () => {
    let answer = { code: 1, error: new Error('connect ECONNREFUSED 127.0.0.1:4318') };
    const failing: SpanExporter = {
      export: (_spans, done) => done(answer),
      shutdown: () => Promise.resolve(),
    };
    const warnings: string[] = [];
    let clock = 0;
    const exporter = reportingFailures(
      failing,
      'http://localhost:4318/v1/traces',
      (m) => warnings.push(m),
      () => clock,
    );
    const spans = (n: number) => Array.from({ length: n }, () => ({}) as ReadableSpan);
    const results: number[] = [];
    const send = (n: number) => exporter.export(spans(n), (result) => results.push(result.code));
    send(3);
    clock += 60_000;
    send(2); // within five minutes: counted, not said
    clock += 4 * 60_000;
    send(1);
    answer = { code: 0, error: undefined as unknown as Error };
    clock += 10 * 60_000;
    send(4); // sent: nothing to say
    expect(warnings).toEqual([
      'tracing: 3 spans not sent to http://localhost:4318/v1/traces: connect ECONNREFUSED 127.0.0.1:4318 (said again at most every 5 minutes)',
      'tracing: 3 spans not sent to http://localhost:4318/v1/traces: connect ECONNREFUSED 127.0.0.1:4318 (said again at most every 5 minutes)',
    ]);
    expect(results).toEqual([1, 1, 1, 0]); // each batch's own answer goes back to the processor
  });

  it('refuses a collector address that is not an http(s) URL', () => {
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT: must be an http:\/\/ or https:\/\/ URL, the collector's OTLP\/HTTP address/,
    );
    for (const endpoint of ['http://collector:4318', 'HTTPS://collector.example.com']) {
      expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }).OTEL_EXPORTER_OTLP_ENDPOINT).toBe(endpoint);
    }
  });
});

describe('where spans go, as the log says it', () => {
  it('leaves out a user and password the endpoint may carry', () => {
    const at = (endpoint: string) => shownTracesUrl(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }));
    expect(at('https://collector.example:4318/')).toBe('https://collector.example:4318/v1/traces');
    expect(at('https://tenant:s3cret@collector.example:4318')).toBe('https://collector.example:4318/v1/traces');
    expect(at('https://collector.example:4318/?api-key=s3cret')).not.toContain('s3cret');
  });

  it('puts the traces path before a query the endpoint carries, and under a path it names', () => {
    const url = (endpoint: string) => tracesUrl(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }));
    expect(url('https://collector.example:4318/?api_key=K')).toBe('https://collector.example:4318/v1/traces?api_key=K');
    expect(url('https://collector.example/otlp/')).toBe('https://collector.example/otlp/v1/traces');
    expect(url('http://collector:4318')).toBe('http://collector:4318/v1/traces');
  });
});
