// docker-compose.yml and .env.example hold numberflow's containers to the variables src/config.ts knows
// (scripts/check-compose.sh runs the same check on docker-compose's resolved file in CI).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { unknownVariables } from '../../scripts/compose-variables.js';
import { loadConfig } from '../../src/config.js';

const root = join(import.meta.dirname, '../..');
const composeFile = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
const envExample = readFileSync(join(root, '.env.example'), 'utf8');

/** The compose file with its anchors merged, as docker-compose reads it. */
const compose = () => parse(composeFile, { merge: true }) as { services: Record<string, Record<string, unknown>> };

describe('docker-compose.yml and .env.example', () => {
  it('give numberflow only variables its configuration knows', () => {
    expect(unknownVariables(composeFile, envExample)).toEqual([]);
  });

  it('name a misspelt variable, in the compose file or in .env.example', () => {
    const misspelt = composeFile.replace('NUMBERFLOW_METRICS_PORT:', 'NUMBERFLOW_METRIC_PORT:');
    expect(unknownVariables(misspelt, '# TEMPORAL_NAMESPACES=default\n')).toEqual([
      'service worker sets NUMBERFLOW_METRIC_PORT',
      '.env.example line 1 lists TEMPORAL_NAMESPACES',
    ]);
  });

  it('run the workers as a scalable fleet and the service behind a health check of the image', () => {
    const { worker, service, 'temporal-ui': ui } = compose().services;
    expect(worker).not.toHaveProperty('container_name');
    expect(worker).not.toHaveProperty('ports'); // a host port would forbid a second replica
    expect(worker?.build).toMatchObject({ context: '.', target: 'worker' });
    expect(service?.build).toMatchObject({ context: '.', target: 'service' });
    expect(worker?.env_file).toBe('.env');
    expect(String((ui?.environment as Record<string, string>).TEMPORAL_CODEC_ENDPOINT)).toMatch(/\/codec$/);
    // The browser sends the console's session cookie along: the codec server's caller without a token.
    expect((ui?.environment as Record<string, string>).TEMPORAL_CODEC_INCLUDE_CREDENTIALS).toBe('true');
    // Passing the UI's own token (none without its sign-in) would keep the UI from calling over plain http.
    expect(ui?.environment).not.toHaveProperty('TEMPORAL_CODEC_PASS_ACCESS_TOKEN');
    // The shared store follows PostgreSQL's password, in both.
    for (const container of [worker, service]) {
      expect((container?.environment as Record<string, string>).NUMBERFLOW_DATABASE_URL).toBe(
        'postgres://temporal:${TEMPORAL_DB_PASSWORD:-temporal}@postgresql:5432/temporal',
      );
    }
  });

  it("have Temporal make, check and show the namespace .env gives numberflow's containers", () => {
    const { temporal, 'temporal-ui': ui } = compose().services;
    const namespace = '${TEMPORAL_NAMESPACE:-default}';
    expect((temporal?.environment as Record<string, string>).DEFAULT_NAMESPACE).toBe(namespace);
    expect((temporal?.healthcheck as { test: string[] }).test).toContain(namespace);
    expect((ui?.environment as Record<string, string>).TEMPORAL_DEFAULT_NAMESPACE).toBe(namespace);
  });

  it('give workers and the service time to drain before Docker kills them', () => {
    const { worker, service } = compose().services;
    const grace = loadConfig({}).WORKER_SHUTDOWN_GRACE; // .env.example leaves the default
    const graceSeconds = Number(grace.replace(/s$/, ''));
    for (const container of [worker, service]) {
      const seconds = Number(String(container?.stop_grace_period).replace(/s$/, ''));
      // The drain, then the close after it (tracing's last spans, 5 s at most), with room to spare.
      expect(seconds).toBeGreaterThanOrEqual(graceSeconds + 5 + 10);
    }
  });

  it('start numberflow and the Web UI once Temporal answers for its namespace', () => {
    const { temporal, worker, service, 'temporal-ui': ui } = compose().services;
    const check = (temporal?.healthcheck as { test: string[] }).test;
    expect(check.slice(0, 5)).toEqual(['CMD', 'temporal', 'operator', 'namespace', 'describe']);
    expect(check).toContain('${TEMPORAL_NAMESPACE:-default}');
    for (const container of [worker, service, ui])
      expect(container?.depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
  });

  it('.env.example is a valid configuration for a worker, with placeholders and no real secret', () => {
    const env = Object.fromEntries(
      envExample
        .split('\n')
        .filter((line) => /^[A-Z]/.test(line))
        .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
    const { worker } = compose().services;
    const config = loadConfig({ ...env, ...(worker?.environment as Record<string, string>) });
    expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(config.NUMBERFLOW_METRICS_PORT).toBe(9464);
    const secrets = Object.entries(env).filter(([name]) => /TOKEN|SECRET|_KEYS?$/.test(name));
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    for (const [name, value] of secrets) expect(value === '' || value.includes('REPLACE_'), name).toBe(true);
  });
});
