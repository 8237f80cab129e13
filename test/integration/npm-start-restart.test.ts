// `npm start` after a crash: the dev server it left running is reused (ours, by the pid file and its command
// line), a server of another data folder on the port is refused, a stale pid file is cleaned up.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { journeyQuery, type JourneyView } from '../../src/domain/journey.js';
import { startJourney } from '../../src/journeys/index.js';
import { loadSavedState } from '../../src/sandbox/persistence.js';
import { resolveBinary } from '../../src/temporal/binaries.js';
import { isAlive } from '../../src/temporal/dev-server-pid.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { journeyInput } from '../support/journeys.js';
import {
  clientOf,
  mainEnv,
  runCli,
  spawnMain,
  startMain,
  stoppedAfterEach,
  tempDir,
  type MainEnv,
} from '../support/processes.js';

const TIMEOUT = 120_000;
const cliPath = resolveBinary('cli').path as string;

const { started, track } = stoppedAfterEach();

async function until(client: Client, workflowId: string, stage: string): Promise<JourneyView> {
  let last: JourneyView | undefined;
  for (let i = 0; i < 400; i++) {
    last = await client.workflow
      .getHandle(workflowId)
      .query(journeyQuery)
      .catch(() => undefined);
    if (last?.stage === stage) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`journey never reached ${stage}; last ${last?.stage}`);
}

/** Every secret the sandbox holds (read through its key, as only the sandbox can): codes, PINs, tokens. */
function sandboxSecrets(dataDir: string): string[] {
  const { snapshot } = loadSavedState(dataDir);
  if (!snapshot) throw new Error('no sandbox state saved');
  return [
    ...snapshot.outbox.map((entry) => entry.code),
    ...snapshot.lines.flatMap((line) => (line.pin ? [line.pin] : [])),
    ...snapshot.tokens.map((token) => token.value),
  ];
}

describe('npm start after a kill -9', () => {
  const state: { env?: MainEnv; code?: string } = {};

  it(
    'reuses the dev server the killed start left running (same db): the journey caught at AWAITING_OTP goes on with the code delivered before, through the CLI, and Ctrl-C still stops it',
    async () => {
      const env = await track(await mainEnv());
      state.env = env;
      const first = await startMain(env);
      started.push(first.main.child);
      const server = await first.main.waitForLog(/Temporal dev server on/);
      const client = await clientOf(env);
      try {
        const input = journeyInput({ wabaId: first.wabaId, portfolioId: first.portfolioId });
        const { workflowId } = await startJourney(client, 'numberflow', input);
        await until(client, workflowId, 'AWAITING_OTP');

        first.main.child.kill('SIGKILL');
        await first.main.exit();
        expect(isAlive(Number(server.pid))).toBe(true); // the orphan

        const restartedAt = performance.now();
        const second = await startMain(env);
        started.push(second.main.child);
        const reused = await second.main.waitForLog(/Temporal dev server on/);
        console.log(`restart onto the orphaned server: ${Math.round(performance.now() - restartedAt)} ms`);
        expect(reused.msg).toContain('reused');
        expect(reused.pid).toBe(server.pid);
        // Said before the look, which takes up to 20 s when the server hangs: the start is never silent meanwhile.
        expect(second.main.lines.map((l) => l.msg)).toContain(
          `a Temporal dev server of this data folder was left running (pid ${String(server.pid)}): seeing whether it answers`,
        );
        expect(second.wabaId).toBe(first.wabaId); // the sandbox's state, kept in the data folder: the same demo account
        expect((await until(client, workflowId, 'AWAITING_OTP')).phoneNumberId).toBeTruthy();

        // A start on the same data folder while this one runs is refused, and leaves its server running.
        const third = spawnMain(env);
        started.push(third.child);
        expect(await third.exit()).toBe(1);
        expect(third.stderr()).toContain(`numberflow (pid ${second.main.child.pid}) runs on this data folder`);
        expect(isAlive(Number(server.pid))).toBe(true);

        const outbox = (await (await fetch(`http://127.0.0.1:${env.sandboxPort}/_sandbox/outbox`)).json()) as {
          code: string;
        }[];
        const code = outbox.at(-1)?.code as string;
        state.code = code;
        const otp = await runCli(env, ['otp', input.phoneNumber.e164, code, '--by', 'ops@acme']);
        expect(otp.stdout).toContain('accepted: code accepted');
        await until(client, workflowId, 'DISPLAY_NAME_REVIEW');

        second.main.child.kill('SIGINT');
        expect(await second.main.exit()).toBe(0);
        expect(second.main.lines.map((l) => l.msg)).toContain('worker stopped');
        expect(isAlive(Number(server.pid))).toBe(false);
        expect(existsSync(join(env.dataDir, 'temporal-server.pid'))).toBe(false);
      } finally {
        await client.connection.close();
      }
    },
    TIMEOUT,
  );

  it('leaves no OTP code, PIN or token in clear in any file of the data folder', () => {
    const { env, code } = state;
    if (!env || !code) throw new Error('the restart test did not run');
    const secrets = sandboxSecrets(env.dataDir);
    expect(secrets).toContain(code);
    expect(secrets.length).toBeGreaterThanOrEqual(3); // the code, the generated PIN, the demo token
    const files = readdirSync(env.dataDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(files.map((f) => f.name)).toEqual(expect.arrayContaining(['sandbox-state.enc', 'temporal.sqlite']));
    for (const file of files) {
      const bytes = readFileSync(join(file.parentPath, file.name)).toString('latin1');
      for (const secret of secrets) {
        // A 6-digit secret in clear would be a JSON string; a bare run of digits may be anything (an id, a time).
        const inClear = /^\d{4,8}$/.test(secret) ? `"${secret}"` : secret;
        expect(bytes.includes(inClear), `${file.name} holds a secret in clear`).toBe(false);
      }
    }
  });
});

describe('npm start whose dev server dies under it', () => {
  it(
    'says so, naming the server and its log, and stops with exit 1 instead of retrying forever',
    async () => {
      const env = await track(await mainEnv());
      const { main } = await startMain(env);
      started.push(main.child);
      const server = await main.waitForLog(/Temporal dev server on/);
      process.kill(Number(server.pid), 'SIGKILL');
      expect(await main.exit()).toBe(1);
      const why = `the Temporal dev server (pid ${String(server.pid)}) killed by SIGKILL: see its log`;
      expect(main.lines.map((l) => l.msg)).toContainEqual(expect.stringContaining(`${why}`));
      expect(main.stderr()).toContain(why);
      expect(main.stderr()).toContain('start numberflow again');
      expect(main.lines.map((l) => l.msg)).toContain('worker stopped');
      // Not "stopped" by numberflow: it had ended under it.
      expect(main.lines.map((l) => l.msg)).toContainEqual(
        expect.stringMatching(/^Temporal dev server had ended \(killed by SIGKILL\); data kept in /),
      );
      expect(main.lines.map((l) => l.msg)).not.toContainEqual(expect.stringMatching(/^Temporal dev server stopped;/));
    },
    TIMEOUT,
  );
});

describe('npm start next to a server that is not its own', () => {
  let foreign: DevServer | undefined;
  afterAll(async () => foreign?.stop());

  it(
    'refuses a dev server of another data folder on its port, naming the port, the pid and what to do',
    async () => {
      const env = await track(await mainEnv());
      foreign = await startDevServer({
        cliPath,
        dataDir: tempDir('foreign'),
        namespace: 'default',
        port: env.temporalPort,
        uiPort: env.uiPort,
      });
      const main = spawnMain(env);
      started.push(main.child);
      expect(await main.exit()).toBe(1);
      expect(main.stderr()).toContain(
        `port ${env.temporalPort} is taken by a Temporal dev server of another data folder (pid ${foreign.pid}, ${foreign.dbFile})`,
      );
      expect(main.stderr()).toContain('set TEMPORAL_DEV_PORT and TEMPORAL_UI_PORT to free ports');
      expect(isAlive(foreign.pid)).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'cleans up a stale pid file (its process is not our server) and starts a fresh server, leaving that process alone',
    async () => {
      const env = await track(await mainEnv());
      // A live process that is not a dev server holds the recorded pid (as after pid reuse).
      const bystander = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
      started.push(bystander);
      const pidFile = join(env.dataDir, 'temporal-server.pid');
      const dbFile = join(env.dataDir, 'temporal.sqlite');
      writeFileSync(
        pidFile,
        JSON.stringify({ pid: bystander.pid, dbFile, port: env.temporalPort, uiPort: env.uiPort }),
      );
      const { main } = await startMain(env);
      started.push(main.child);
      const server = await main.waitForLog(/Temporal dev server on/);
      expect(server.msg).not.toContain('reused');
      expect(server.pid).not.toBe(bystander.pid);
      expect(isAlive(bystander.pid as number)).toBe(true);
      expect(JSON.parse(readFileSync(pidFile, 'utf8'))).toMatchObject({ pid: server.pid, dbFile });
      main.child.kill('SIGINT');
      expect(await main.exit()).toBe(0);
      expect(existsSync(pidFile)).toBe(false);
    },
    TIMEOUT,
  );
});
