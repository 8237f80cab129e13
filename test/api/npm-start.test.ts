// `npm start` and its API as a user meets them: the tokens printed once on the first start, a journey started and
// read over HTTP with them, the same tokens after a restart, and a malformed token file refused before anything runs.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../src/temporal/dev-server-pid.js';
import { DEV_RETENTION_DAYS } from '../../src/temporal/retention.js';
import { freshNumber } from '../support/journeys.js';
import {
  clientOf,
  freeStablePorts,
  mainEnv,
  spawnMain,
  startMain,
  stoppedAfterEach,
  tempDir,
} from '../support/processes.js';
import { scrape, total } from '../support/prometheus.js';

const TIMEOUT = 180_000;
const TOKEN_LINE = /^\s+(\w+@local)\s+(nf_[A-Za-z0-9_-]{43})$/;

const { started, track } = stoppedAfterEach();

describe("npm start's API", () => {
  it(
    'prints a token per role once, keeps only their hashes (0600), logs none of them, and takes them over HTTP, also after a restart',
    async () => {
      const env = track(await mainEnv());
      // The worker's metrics on a port of their own, as `npm run worker` serves them.
      const [metricsPort] = await freeStablePorts(1);
      env.env.NUMBERFLOW_METRICS_PORT = String(metricsPort);
      const first = await startMain(env);
      started.push(first.main.child);
      const runtimeMetrics = `http://127.0.0.1:${metricsPort}/metrics`;
      expect(first.main.lines.map((l) => l.msg)).toContain(
        `the worker's metrics (Temporal's runtime, the worker's memory) at ${runtimeMetrics}`,
      );
      expect(total(await scrape(runtimeMetrics), 'numberflow_worker_resident_memory_bytes')).toBeGreaterThan(50e6);
      const printed = new Map(
        first.main.lines.flatMap((l) => {
          const match = TOKEN_LINE.exec(String(l.msg));
          return match ? [[match[1] as string, match[2] as string]] : [];
        }),
      );
      expect([...printed.keys()]).toEqual(['onboarding@local', 'operator@local', 'admin@local', 'auditor@local']);
      const file = join(env.dataDir, 'api-tokens.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const tokens = [...printed.values()];
      const logged = JSON.stringify(first.main.lines.filter((l) => 'level' in l));
      for (const token of tokens) {
        expect(readFileSync(file, 'utf8')).not.toContain(token);
        expect(logged).not.toContain(token);
      }

      const http = `http://127.0.0.1:${env.env.HTTP_PORT}`;
      const as = (who: string) => ({ authorization: `Bearer ${printed.get(who)}` });
      // Ready once the server has seen a poll on each queue (the portfolios' worker may poll a moment later).
      let ready = await fetch(`${http}/readyz`);
      for (let i = 0; i < 100 && ready.status !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        ready = await fetch(`${http}/readyz`);
      }
      expect(ready.status).toBe(200);
      const startAnswer = await fetch(`${http}/v1/journeys`, {
        method: 'POST',
        headers: { ...as('onboarding@local'), 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: JSON.stringify({
          wabaId: first.wabaId,
          portfolioId: first.portfolioId,
          phoneNumber: freshNumber(),
          displayName: 'Acme Support',
        }),
      });
      expect(startAnswer.status).toBe(201);
      const { journey } = (await startAnswer.json()) as { journey: { e164: string } };
      // Its slot request started the portfolio on the portfolios' own task queue, which the worker also polls.
      let stage = '';
      for (let i = 0; i < 200 && stage !== 'AWAITING_OTP'; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
        const read = await fetch(`${http}/v1/journeys/${journey.e164}`, { headers: as('auditor@local') });
        stage = ((await read.json()) as { stage: string }).stage;
      }
      expect(stage).toBe('AWAITING_OTP');
      const client = await clientOf(env);
      try {
        const portfolio = await client.workflow.getHandle(`portfolio:${first.portfolioId}`).describe();
        expect(portfolio.taskQueue).toBe('numberflow-portfolios');
        // Ended journeys are kept for years, not Temporal's default day: their audit, PINs and idempotency live there.
        const { config } = await client.workflowService.describeNamespace({ namespace: 'default' });
        expect(Number(config?.workflowExecutionRetentionTtl?.seconds)).toBe(DEV_RETENTION_DAYS * 24 * 60 * 60);
        expect(first.main.lines.map((l) => String(l.msg))).toContainEqual(
          expect.stringContaining('kept ended journeys 1 day(s): now 3650 days for the runs that end from now on'),
        );
      } finally {
        await client.connection.close();
      }

      first.main.child.kill('SIGINT');
      expect(await first.main.exit()).toBe(0);
      const second = await startMain(env);
      started.push(second.main.child);
      expect(second.main.lines.some((l) => TOKEN_LINE.test(String(l.msg)))).toBe(false);
      expect(second.main.lines.map((l) => l.msg)).toContainEqual(expect.stringContaining(`API tokens: ${file}`));
      const view = await fetch(`${http}/v1/journeys/${journey.e164}`, { headers: as('auditor@local') });
      expect(view.status).toBe(200);
      expect(await view.json()).toMatchObject({ e164: journey.e164, wabaId: first.wabaId });
      second.main.child.kill('SIGINT');
      expect(await second.main.exit()).toBe(0);
    },
    TIMEOUT,
  );

  it(
    "drains and stops everything on a Ctrl-C under npm, which arrives twice (the terminal's and npm's copy)",
    async () => {
      const env = track(await mainEnv());
      const { main } = await startMain(env);
      started.push(main.child);
      const server = JSON.parse(readFileSync(join(env.dataDir, 'temporal-server.pid'), 'utf8')) as { pid: number };
      main.child.kill('SIGINT');
      await new Promise((resolve) => setTimeout(resolve, 50)); // npm's copy, a moment later (at once, one is lost)
      main.child.kill('SIGINT'); // killed the process mid-drain, leaving the dev server running
      expect(await main.exit()).toBe(0);
      expect(main.lines.map((l) => l.msg)).toContain('worker stopped');
      expect(isAlive(server.pid)).toBe(false);
      expect(existsSync(join(env.dataDir, 'temporal-server.pid'))).toBe(false);
    },
    TIMEOUT,
  );

  it('refuses to start with a malformed token file, naming the file and the problem, before starting anything', async () => {
    const env = track(await mainEnv());
    const file = join(tempDir('tokens'), 'tokens.json');
    writeFileSync(file, JSON.stringify({ principals: [{ name: 'ops@acme', roles: ['operator'] }] }));
    const main = spawnMain({ ...env, env: { ...env.env, NUMBERFLOW_API_TOKENS_FILE: file } });
    started.push(main.child);
    expect(await main.exit()).toBe(1);
    expect(main.stderr()).toContain(`API token file ${file} is not valid`);
    expect(main.stderr()).toContain('principals.0.tokenSha256');
    expect(existsSync(join(env.dataDir, 'temporal-server.pid'))).toBe(false); // no dev server was started
  });
});
