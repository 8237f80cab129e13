// npm test's own guard: a worker process that stalls (its event loop blocked, where no test or hook timeout can
// fire) is stopped and said, instead of holding the run for ever; all else having passed, its files run once more.
// The fixtures (test/support/stall-fixtures) run through scripts/run-tests.sh as npm test runs the suite.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TestModule } from 'vitest/node';
import { root } from '../support/processes.js';
import StallWatchdog, { RUNNING_DIR_VARIABLE } from '../support/stall-watchdog.js';

const scratch = mkdtempSync(join(tmpdir(), 'nf-stall-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const hasGdb = spawnSync('gdb', ['--version']).status === 0;

/**
 * scripts/run-tests.sh on the fixtures, a process silent for 5 s taken as stalled (each beats every 250 ms): its exit
 * status and what it printed. Its own process group, all of it stopped if it outlives the test.
 */
async function runTests(env: Record<string, string>): Promise<{ status: number; said: string }> {
  const config = 'test/support/stall-fixtures/vitest.config.ts';
  const child = spawn('bash', ['scripts/run-tests.sh', '--config', config], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      NUMBERFLOW_TEST_STALL_SECONDS: '5',
      NUMBERFLOW_TEST_HEARTBEAT_MS: '250',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let said = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => (said += chunk.toString()));
  const killed = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 100_000); // fails below
  const [status] = (await once(child, 'exit')) as [number | null];
  clearTimeout(killed);
  // eslint-disable-next-line no-control-regex -- vitest's colours
  return { status: status ?? -1, said: said.replace(/\u001b\[[0-9;]*m/g, '') };
}

describe('a test file whose process stalls', () => {
  it.concurrent(
    'is stopped, its threads and stacks said, and run once more when nothing else failed',
    async () => {
      const { status, said } = await runTests({ STALL: join(scratch, 'once') });
      const [first = '', again = ''] = said.split("run-tests: all that failed was the stall watchdog's doing");
      expect(first).toMatch(/✓ fine\.stall\.ts/);
      expect(first).toMatch(/stall watchdog: stuck\.stall\.ts stalled: no heartbeat for \d+ s \(process \d+\)/);
      expect(first).toMatch(/its threads \(name, state, CPU ticks\): node R \d+/); // its main thread running
      // Where gdb may attach, the main thread's frames: JavaScript's unnamed ones.
      const mainThread = hasGdb ? /its main thread: .*\?\?/ : /its main thread: not read/;
      expect(first).toMatch(
        new RegExp(`stall watchdog: ended stuck\\.stall\\.ts \\(process \\d+\\); ${mainThread.source}`),
      );
      expect(again).toMatch(/^; running once more: \S*stuck\.stall\.ts\n/);
      expect(again).toMatch(/✓ stuck\.stall\.ts/);
      expect(again).not.toMatch(/fine\.stall\.ts/);
      expect(again).toContain('run-tests: run once more, they passed');
      expect(status).toBe(0);
    },
    120_000,
  );

  it.concurrent(
    'fails the run when it stalls again',
    async () => {
      const { status, said } = await runTests({ STALL: 'always' });
      expect(said.match(/stall watchdog: ended stuck\.stall\.ts/g)).toHaveLength(2);
      expect(said).toContain('run-tests: run once more, they failed (exit 1)');
      expect(status).toBe(1);
    },
    120_000,
  );

  it.concurrent(
    'is not run again when another file failed',
    async () => {
      const { status, said } = await runTests({ STALL: join(scratch, 'beside-a-failure'), FAIL_TOO: '1' });
      expect(said).toMatch(/stall watchdog: ended stuck\.stall\.ts/);
      expect(said).toMatch(/FAIL +fine\.stall\.ts/);
      expect(said).not.toContain('running once more');
      expect(status).toBe(1);
    },
    120_000,
  );
});

describe('the stall watchdog', () => {
  /**
   * A process of this one's whose command line names vitest, as vitest's workers are its own (`script` run by a
   * shell named so), and whether it ended by SIGKILL.
   */
  function started(script: string): { child: ChildProcess; killed: Promise<boolean> } {
    const child = spawn('sh', ['-c', script, '/numberflow-test/vitest/worker'], { stdio: 'ignore' });
    const killed = once(child, 'exit').then(([, signal]) => signal === 'SIGKILL');
    return { child, killed };
  }

  it('stops a process of its run that stopped beating, with what it started, and no process of another', async () => {
    const said: string[] = [];
    const watchdog = new StallWatchdog({ silentSeconds: 1, fileSeconds: 1 });
    const dir = process.env[RUNNING_DIR_VARIABLE] as string;
    watchdog.onInit({ logger: { error: (text: string) => said.push(text) }, config: { root } } as never);
    // Silent: a child of this process (with a child of its own); and a process of another parent, named so too.
    const silent = started('sleep 60 & wait');
    const stranger = spawnSync(
      'sh',
      ['-c', 'sh -c "sleep 60; true" /numberflow-test/vitest/stranger > /dev/null 2>&1 & echo $!'],
      { encoding: 'utf8' },
    );
    const strangerPid = Number(stranger.stdout.trim());
    // Beating, but its file has run too long.
    const long = started('sleep 60');
    const longFile = join(root, 'test/unit/long.test.ts');
    const beat = (pid: number | undefined, file: string) => writeFileSync(join(dir, String(pid)), file);
    try {
      beat(silent.child.pid, join(root, 'test/unit/silent.test.ts'));
      beat(strangerPid, join(root, 'test/unit/stranger.test.ts'));
      beat(long.child.pid, longFile);
      watchdog.onTestModuleQueued({ moduleId: longFile } as TestModule);
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      beat(long.child.pid, longFile); // it beats; its file has run too long
      await watchdog.check();
      expect(await silent.killed).toBe(true);
      expect(await long.killed).toBe(true);
      expect(said).toContainEqual(
        expect.stringMatching(/^stall watchdog: test\/unit\/silent\.test\.ts stalled: no heartbeat for 1 s/),
      );
      expect(said).toContainEqual(`stall watchdog: killed process ${silent.child.pid} and the 1 it started`);
      expect(said).toContainEqual(
        expect.stringMatching(
          /^stall watchdog: test\/unit\/long\.test\.ts stalled: test\/unit\/long\.test\.ts has run for \d+ s/,
        ),
      );
      expect(said.join('\n')).not.toContain('stranger');
      expect(process.kill(strangerPid, 0)).toBe(true); // still there
    } finally {
      for (const pid of [silent.child.pid, long.child.pid, strangerPid]) {
        try {
          process.kill(pid as number, 'SIGKILL');
        } catch {
          // gone
        }
      }
      await watchdog.onTestRunEnd([], []);
    }
  }, 30_000);
});
