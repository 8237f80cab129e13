import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { openStores } from '../../src/stores/open.js';
import { freePorts, tempDir } from '../support/processes.js';
import { journeyWorkflowId } from '../../src/domain/journey.js';
import { journeyInput } from '../support/journeys.js';
import { listed } from '../support/listed.js';
import {
  connectDevServer,
  TEST_CODEC_KEYS,
  TEST_SECRETS_KEY,
  TEST_SECRETS_PUBLIC_KEY,
  uniqueTaskQueue,
} from '../support/temporal.js';

const root = join(import.meta.dirname, '../..');

/** Runs `npm run worker` as a real process; resolves with its exit code and what it printed on stderr. */
function runWorker(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/worker.ts')], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 50_000); // a hang fails the test, not the run
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stderr });
    });
  });
}

describe('the worker process', () => {
  it('exits with the reason when it cannot start, instead of hanging on its open connections', async () => {
    const { code, stderr } = await runWorker({
      TEMPORAL_ADDRESS: inject('devServerAddress'),
      TEMPORAL_NAMESPACE: 'no-such-namespace',
      NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS,
      NUMBERFLOW_SECRETS_KEY: TEST_SECRETS_KEY,
      META_ACCESS_TOKEN: 'token-for-the-test',
      META_APP_SECRET: 'secret-for-the-test',
      META_WEBHOOK_VERIFY_TOKEN: 'verify-for-the-test',
      LOG_LEVEL: 'error',
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/no-such-namespace/);
    expect(stderr).not.toContain('token-for-the-test');
  }, 60_000);

  it("names NUMBERFLOW_METRICS_PORT when its port is taken, not the runtime's words alone", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const { code, stderr } = await runWorker({
        TEMPORAL_ADDRESS: inject('devServerAddress'),
        NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS,
        NUMBERFLOW_SECRETS_KEY: TEST_SECRETS_KEY,
        NUMBERFLOW_METRICS_PORT: String(port),
        META_ACCESS_TOKEN: 't',
        META_APP_SECRET: 's',
        META_WEBHOOK_VERIFY_TOKEN: 'v',
      });
      expect(code).toBe(1);
      expect(stderr).toContain(
        `NUMBERFLOW_METRICS_PORT: 127.0.0.1:${port} is in use by another process: stop it or choose another port`,
      );
    } finally {
      taken.close();
    }
  }, 60_000);

  it('refuses a configuration without the payload keys it needs to join a cluster', async () => {
    const { code, stderr } = await runWorker({
      TEMPORAL_ADDRESS: inject('devServerAddress'),
      META_ACCESS_TOKEN: 't',
      META_APP_SECRET: 's',
      META_WEBHOOK_VERIFY_TOKEN: 'v',
    });
    expect(code).toBe(1);
    expect(stderr).toContain('NUMBERFLOW_CODEC_KEYS is required with TEMPORAL_ADDRESS');
  }, 60_000);

  it("refuses to make keys of its own beside npm start's dev server, where npm start's data folder holds them", async () => {
    const dataDir = tempDir('worker-beside');
    const { code, stderr } = await runWorker({
      NUMBERFLOW_DATA_DIR: dataDir, // not npm start's folder: no keys in it
      TEMPORAL_DEV_PORT: '7999',
      META_ACCESS_TOKEN: 't',
      META_APP_SECRET: 's',
      META_WEBHOOK_VERIFY_TOKEN: 'v',
    });
    expect(code).toBe(1);
    expect(stderr).toContain(
      `no payload keys (codec-keys) nor secrets key (secrets-key) in ${dataDir}: a worker alone on the dev server at TEMPORAL_DEV_PORT (npm start's)`,
    );
    expect(existsSync(join(dataDir, 'codec-keys'))).toBe(false);
  }, 60_000);

  it('refuses to join a cluster without the private secrets key it unseals PINs and codes with', async () => {
    const { code, stderr } = await runWorker({
      TEMPORAL_ADDRESS: inject('devServerAddress'),
      NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS,
      NUMBERFLOW_SECRETS_PUBLIC_KEY: TEST_SECRETS_PUBLIC_KEY, // a client's key: not enough for a worker
      META_ACCESS_TOKEN: 't',
      META_APP_SECRET: 's',
      META_WEBHOOK_VERIFY_TOKEN: 'v',
    });
    expect(code).toBe(1);
    expect(stderr).toContain('NUMBERFLOW_SECRETS_KEY is required with TEMPORAL_ADDRESS');
    expect(stderr).not.toContain(TEST_SECRETS_PUBLIC_KEY);
  }, 60_000);

  it('refuses to start with a store key that opens none of the stored tokens, naming the variable and the id', async () => {
    // A store whose token was sealed with one key, and a worker given another under the same id.
    const dataDir = tempDir('worker-store-key');
    const key = (byte: number) => `fleet-1:${Buffer.alloc(32, byte).toString('base64')}`;
    const stores = await openStores({ NUMBERFLOW_DATA_DIR: dataDir, NUMBERFLOW_STORE_KEY: key(1) });
    await stores.tokens.put('102290129340398', 'EAAS-stored-token-for-the-test', { source: 'manual', by: 'admin' });
    await stores.close();
    const { code, stderr } = await runWorker({
      TEMPORAL_ADDRESS: inject('devServerAddress'),
      NUMBERFLOW_DATA_DIR: dataDir,
      NUMBERFLOW_STORE_KEY: key(2),
      NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS,
      NUMBERFLOW_SECRETS_KEY: TEST_SECRETS_KEY,
      META_APP_SECRET: 's',
      META_WEBHOOK_VERIFY_TOKEN: 'v',
    });
    expect(code).toBe(1);
    expect(stderr).toContain(
      'the store key cannot open the stored tokens: the token of WABA 102290129340398 does not open with store key "fleet-1" of NUMBERFLOW_STORE_KEY',
    );
    expect(stderr).not.toContain('EAAS-stored-token-for-the-test');
  }, 60_000);

  it("refuses to start with payload keys that do not open its queue's running journeys, naming the key", async () => {
    // A journey written under the tests' key "test-1", and a worker given another key under that id.
    const taskQueue = uniqueTaskQueue('worker-codec-key');
    const env = await connectDevServer();
    try {
      const input = journeyInput();
      await env.client.workflow.start('numberJourney', {
        taskQueue,
        workflowId: journeyWorkflowId(input.phoneNumber.e164),
        args: [input],
      });
      await listed(env, taskQueue);
      const { code, stderr } = await runWorker({
        TEMPORAL_ADDRESS: inject('devServerAddress'),
        TEMPORAL_TASK_QUEUE: taskQueue,
        NUMBERFLOW_DATA_DIR: tempDir('worker-codec-key'),
        NUMBERFLOW_CODEC_KEYS: `test-1:${Buffer.alloc(32, 8).toString('base64')}`,
        NUMBERFLOW_SECRETS_KEY: TEST_SECRETS_KEY,
        META_ACCESS_TOKEN: 't',
        META_APP_SECRET: 's',
        META_WEBHOOK_VERIFY_TOKEN: 'v',
      });
      expect(code).toBe(1);
      expect(stderr).toContain(
        `the payload key "test-1" here is not the one 1 of the 1 newest running runs looked at (${journeyWorkflowId(input.phoneNumber.e164)} the first) were written with`,
      );
      await env.client.workflow.getHandle(journeyWorkflowId(input.phoneNumber.e164)).terminate('test done');
    } finally {
      await env.teardown();
    }
  }, 60_000);

  it('stops at once, exit 143, on SIGTERM while it is still starting (Temporal not reached yet)', async () => {
    const [closed, metrics] = await freePorts(2);
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/worker.ts')], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        TEMPORAL_ADDRESS: `127.0.0.1:${closed}`, // nothing listens: the start tries to connect until its deadline
        NUMBERFLOW_DATA_DIR: tempDir('worker-starting'),
        NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS,
        NUMBERFLOW_SECRETS_KEY: TEST_SECRETS_KEY,
        NUMBERFLOW_METRICS_PORT: String(metrics), // the Temporal runtime made early, listening too
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const guard = setTimeout(() => child.kill('SIGKILL'), 50_000);
    try {
      // Connecting: the token store is open, the connection to Temporal not made.
      for (let i = 0; i < 300 && !out.includes('token store open'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain('token store open');
      const signalledAt = Date.now();
      child.kill('SIGTERM');
      expect(await exited).toBe(143);
      expect(Date.now() - signalledAt).toBeLessThan(5_000); // not the connection's deadline
      expect(out).toContain('SIGTERM while starting: nothing to drain yet; stopped');
    } finally {
      clearTimeout(guard);
    }
  }, 60_000);
});
