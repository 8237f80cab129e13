import { chmodSync, existsSync, statSync } from 'node:fs';
import { connect } from 'node:net';
// The dev server dies (SIGKILL) while a journey waits for its code, and is started again on the same SQLite file:
// the journey, its worker and its pending update all go on, and it reaches LIVE.
import { describe, expect, it } from 'vitest';
import { resolveBinary } from '../../src/temporal/binaries.js';
import { isAlive } from '../../src/temporal/dev-server-pid.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { createHarness } from '../support/harness.js';
import { freeStablePorts, tempDir } from '../support/processes.js';
import { decideName, submitDeliveredCode } from '../support/steps.js';
import { connectToServer } from '../support/temporal.js';

async function killHard(server: DevServer): Promise<void> {
  process.kill(server.pid, 'SIGKILL');
  for (let i = 0; i < 200 && isAlive(server.pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(isAlive(server.pid)).toBe(false);
  // The kernel closes a killed server's sockets a moment after the process is gone: wait until nobody answers.
  for (const port of [Number(server.address.split(':')[1]), Number(new URL(server.uiUrl).port)]) {
    for (let i = 0; i < 300 && (await answers(port)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });
}

/** The modes of the dev server's SQLite file (and its WAL files, when there) and log: each the same, or 'mixed'. */
function ownerOnlyModes(server: DevServer) {
  const modes = [server.dbFile, `${server.dbFile}-wal`, `${server.dbFile}-shm`]
    .filter((file) => existsSync(file))
    .map((file) => statSync(file).mode & 0o777);
  return {
    db: modes.every((mode) => mode === modes[0]) ? modes[0] : 'mixed',
    log: statSync(server.logFile).mode & 0o777,
  };
}

describe('a restart of the dev server', () => {
  it('SIGKILLed mid-journey and started on the same SQLite file: the journey resumes and reaches LIVE', async () => {
    const [port = 0, uiPort = 0] = await freeStablePorts(2);
    const options = {
      cliPath: resolveBinary('cli').path as string,
      dataDir: tempDir('dev-restart'),
      namespace: 'default',
      port,
      uiPort,
    };
    let server = await startDevServer(options);
    const env = await connectToServer(server.address);
    const bench = await createHarness(env, { record: false }); // its server is gone by the time a recording would read it;
    try {
      await bench.run(async () => {
        const journey = await bench.start(bench.input());
        await journey.until((v) => v.stage === 'AWAITING_OTP', 'AWAITING_OTP');
        expect(ownerOnlyModes(server)).toEqual({ db: 0o600, log: 0o600 }); // histories and payloads: no one else's
        await killHard(server);
        chmodSync(server.dbFile, 0o644); // as an earlier version left it
        const restartedAt = performance.now();
        server = await startDevServer(options); // the pid file names a dead process: a fresh server, same file
        console.log(
          `dev server restarted on the same SQLite file in ${Math.round(performance.now() - restartedAt)} ms`,
        );
        expect(server.reused).toBe(false);
        expect(ownerOnlyModes(server)).toEqual({ db: 0o600, log: 0o600 });
        await submitDeliveredCode(bench, journey);
        await decideName(bench, journey, 'APPROVED');
        expect((await journey.until((v) => v.stage === 'LIVE', 'LIVE')).stage).toBe('LIVE');
      });
    } finally {
      await bench.close();
      await env.teardown();
      await server.stop();
    }
  }, 120_000);

  it('left running for another namespace: said so (not "does not answer"), and started anew with this one', async () => {
    const [port = 0, uiPort = 0] = await freeStablePorts(2);
    const options = { cliPath: resolveBinary('cli').path as string, dataDir: tempDir('dev-ns'), port, uiPort };
    const first = await startDevServer({ ...options, namespace: 'default' });
    let second: DevServer | undefined;
    const notices: string[] = [];
    try {
      const startedAt = performance.now();
      second = await startDevServer({ ...options, namespace: 'numberflow-other', onNotice: (m) => notices.push(m) });
      expect(second.reused).toBe(false);
      expect(isAlive(first.pid)).toBe(false);
      expect(notices).toContain(
        `the dev server left running (pid ${first.pid}) answers, but has no namespace numberflow-other (it was started for another TEMPORAL_NAMESPACE): stopping it to start it anew with it`,
      );
      expect(notices.join('\n')).not.toContain('does not answer');
      console.log(`a server of another namespace replaced in ${Math.round(performance.now() - startedAt)} ms`);
      const env = await connectToServer(second.address);
      try {
        const { namespaceInfo } = await env.client.workflowService.describeNamespace({ namespace: 'numberflow-other' });
        expect(namespaceInfo?.name).toBe('numberflow-other');
      } finally {
        await env.teardown();
      }
    } finally {
      await second?.stop();
      await first.stop();
    }
  }, 60_000);
});
