// `npm run service`: the HTTP service alone beside a fleet of workers (the compose file's `service`), as a process.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { signWebhookBody } from '../../src/graph/signature.js';
import { freeStablePorts, spawnService, tempDir } from '../support/processes.js';
import { scrape } from '../support/prometheus.js';
import { TEST_CODEC_KEYS, TEST_SECRETS_PUBLIC_KEY } from '../support/temporal.js';

const APP_SECRET = 'service-app-secret';

async function serviceEnv(): Promise<Record<string, string>> {
  const [port] = await freeStablePorts(1);
  return {
    TEMPORAL_ADDRESS: inject('devServerAddress'),
    NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS,
    NUMBERFLOW_SECRETS_PUBLIC_KEY: TEST_SECRETS_PUBLIC_KEY, // a client's key: the service only seals
    META_ACCESS_TOKEN: 'token-for-the-service-test',
    META_APP_SECRET: APP_SECRET,
    META_WEBHOOK_VERIFY_TOKEN: 'verify-for-the-service-test',
    HTTP_PORT: String(port),
    LOG_LEVEL: 'info',
  };
}

describe('the HTTP service process', () => {
  it("takes Meta's webhooks, serves the codec server and /metrics, and stops on SIGTERM", async () => {
    const env = await serviceEnv();
    const service = spawnService(env);
    try {
      const line = await service.waitForLog(/^HTTP service on /);
      const url = `http://127.0.0.1:${env.HTTP_PORT}`;
      expect(line.msg).toContain(`metrics at ${url}/metrics`);
      expect((await fetch(`${url}/health`)).status).toBe(200);
      // Joined to a cluster, the codec server wants a token.
      const decode = await fetch(`${url}/codec/decode`, { method: 'POST', body: '{"payloads":[]}' });
      expect(decode.status).toBe(401);
      const body = '{"object":"whatsapp_business_account","entry":[]}';
      const webhook = await fetch(`${url}/webhooks/meta`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhookBody(body, APP_SECRET) },
        body,
      });
      expect(webhook.status).toBe(200);
      // Answered once in the service's inbox, then routed by its drain.
      let metrics = await scrape(`${url}/metrics`);
      expect(metrics).toContain('numberflow_webhook_deliveries_total{outcome="queued"} 1');
      for (let i = 0; i < 50 && !metrics.includes('{outcome="routed"} 1'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        metrics = await scrape(`${url}/metrics`);
      }
      expect(metrics).toContain('numberflow_webhook_deliveries_total{outcome="routed"} 1');
      expect(metrics).toMatch(/^numberflow_journeys\{stage="AWAITING_OTP"\} \d+$/m);
    } finally {
      service.child.kill('SIGTERM');
    }
    expect(await service.exit(15_000)).toBe(0);
    expect(service.lines.some((l) => l.msg === 'HTTP service stopped')).toBe(true);
    expect(JSON.stringify(service.lines) + service.stderr()).not.toContain('token-for-the-service-test');
  }, 60_000);

  it("refuses to start without Meta's app secret, naming it (npm start would make one for its sandbox)", async () => {
    const { META_APP_SECRET: _, META_ACCESS_TOKEN: __, ...env } = await serviceEnv();
    const service = spawnService(env);
    expect(await service.exit(30_000)).toBe(1);
    expect(service.stderr()).toContain('META_APP_SECRET is required by the HTTP service alone');
  }, 60_000);

  it('refuses to start without a key to seal the codes and PINs operators send, naming it (it answered 500 to each)', async () => {
    // As the compose file runs it: the private key blanked, and here no public key in its place.
    const { NUMBERFLOW_SECRETS_PUBLIC_KEY: _, ...env } = await serviceEnv();
    const service = spawnService({ ...env, NUMBERFLOW_SECRETS_KEY: '' });
    expect(await service.exit(30_000)).toBe(1);
    expect(service.stderr()).toContain(
      'NUMBERFLOW_SECRETS_PUBLIC_KEY is required with TEMPORAL_ADDRESS: the service seals the codes and PINs operators send',
    );
  }, 60_000);

  it("refuses to make keys of its own beside npm start's dev server, where npm start's data folder holds them", async () => {
    const { TEMPORAL_ADDRESS: _, NUMBERFLOW_CODEC_KEYS: __, ...env } = await serviceEnv();
    const dataDir = tempDir('service-beside'); // not npm start's folder: no keys in it
    const service = spawnService({ ...env, NUMBERFLOW_DATA_DIR: dataDir, TEMPORAL_DEV_PORT: '7999' });
    expect(await service.exit(30_000)).toBe(1);
    // Its secrets' public key given (as the compose file gives it), its payload keys not.
    expect(service.stderr()).toContain(
      `no payload keys (codec-keys) in ${dataDir}: the HTTP service alone on the dev server at TEMPORAL_DEV_PORT (npm start's)`,
    );
    expect(existsSync(join(dataDir, 'codec-keys'))).toBe(false);
  }, 60_000);
});
