// The configuration of a deployed worker: its prebuilt workflow bundles, its metrics port.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { metricsUrl } from '../../src/telemetry/runtime-metrics.js';
import { bundleFileIn, workflowCodeFor, workflowsPath } from '../../src/temporal/workflow-bundle.js';

describe('a deployed worker', () => {
  it('loads the prebuilt bundle that matches whether tracing is on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'numberflow-bundles-'));
    writeFileSync(bundleFileIn(dir, false), '');
    expect(workflowCodeFor(dir, false)).toEqual({ workflowBundle: { codePath: join(dir, 'workflows.js') } });
    expect(() => workflowCodeFor(dir, true)).toThrow(ConfigError);
    expect(() => workflowCodeFor(dir, true)).toThrow(
      `NUMBERFLOW_WORKFLOW_BUNDLE: no tracing bundle at "${join(dir, 'workflows-tracing.js')}"; build the folder with: npx tsx scripts/bundle-workflows.ts ${dir}`,
    );
  });

  it('bundles its workflows from source when no bundle folder is configured, with the tracing interceptors if on', () => {
    const plain = workflowCodeFor(undefined, false);
    const traced = workflowCodeFor(undefined, true);
    expect(plain.workflowsPath).toBe(workflowsPath);
    expect(traced.workflowModules).toHaveLength((plain.workflowModules?.length ?? 0) + 1);
    expect(traced.workflowModules?.at(-1)).toMatch(/src\/workflows\/tracing-interceptors\.(ts|js)$/);
  });

  it('serves metrics only on a configured port, on loopback unless told otherwise', () => {
    expect(metricsUrl(loadConfig({}))).toBeUndefined();
    expect(metricsUrl(loadConfig({ NUMBERFLOW_METRICS_PORT: '9464' }))).toBe('http://127.0.0.1:9464/metrics');
    expect(metricsUrl(loadConfig({ NUMBERFLOW_METRICS_PORT: '9464', NUMBERFLOW_METRICS_HOST: '::' }))).toBe(
      'http://[::]:9464/metrics',
    );
    expect(() => loadConfig({ NUMBERFLOW_METRICS_PORT: 'ninety' })).toThrow(/NUMBERFLOW_METRICS_PORT/);
    // The runtime binds a socket address: a host name is refused here, by name, not by the runtime's words.
    expect(loadConfig({ NUMBERFLOW_METRICS_HOST: 'localhost' }).NUMBERFLOW_METRICS_HOST).toBe('localhost'); // no port
    expect(() => loadConfig({ NUMBERFLOW_METRICS_PORT: '9464', NUMBERFLOW_METRICS_HOST: 'localhost' })).toThrow(
      'NUMBERFLOW_METRICS_HOST: must be an IP address such as 127.0.0.1 or 0.0.0.0 (the exporter binds an address, ' +
        'not a host name) (got "localhost")',
    );
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});
