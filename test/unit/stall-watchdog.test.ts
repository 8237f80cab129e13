// npm test's own guard: a test file whose process stalls (its event loop blocked, where no test or hook timeout can
// fire) is stopped and said, instead of holding the run for ever; all else having passed, it is run once more.
// The fixtures (test/support/stall-fixtures) run through scripts/run-tests.sh as npm test runs the suite.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from '../support/processes.js';
import StallWatchdog, { runningFilesDir } from '../support/stall-watchdog.js';

const scratch = mkdtempSync(join(tmpdir(), 'nf-stall-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** scripts/run-tests.sh on the fixtures, the watchdog taking 3 s as a stall; its exit status and what it printed. */
async function runTests(env: Record<string, string>, ...args: string[]): Promise<{ status: number; said: string }> {
  const config = 'test/support/stall-fixtures/vitest.config.ts';
  const child = spawn('bash', ['scripts/run-tests.sh', '--config', config, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', NUMBERFLOW_TEST_STALL_SECONDS: '3', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let said = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => (said += chunk.toString()));
  const killed = setTimeout(() => child.kill('SIGKILL'), 100_000); // a watchdog that never fires fails below
  const [status] = (await once(child, 'exit')) as [number | null];
  clearTimeout(killed);
  // eslint-disable-next-line no-control-regex -- vitest's colours
  return { status: status ?? -1, said: said.replace(/\u001b\[[0-9;]*m/g, '') };
}

describe('a test file that stalls', () => {
  it.concurrent(
    'is stopped, its threads and stacks said, and run once more when nothing else failed',
    async () => {
      const { status, said } = await runTests({ STALL: join(scratch, 'once') });
      expect(said).toMatch(/stall watchdog: stuck\.stall\.ts has run for \d+ s with no end \(process \d+\)/);
      expect(said).toMatch(/its threads \(name, state, CPU ticks\): node R \d+/); // its main thread running
      expect(said).toMatch(/stall watchdog: ended stuck\.stall\.ts after \d+ s \(process \d+\); its main thread: \S/);
      expect(said).toMatch(/✓ fine\.stall\.ts/);
      expect(said).toContain("run-tests: all that failed was the stall watchdog's doing; running once more: ");
      expect(said).toMatch(/✓ stuck\.stall\.ts/);
      expect(said).toContain('run-tests: run once more, they passed');
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

  it('is stopped when the run has been silent as long, though it never said it started its file', async () => {
    // A worker process blocked before it reported its next file: the watchdog knows it by what it said it ran last.
    const blocked = spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' });
    const exited = once(blocked, 'exit');
    const dir = runningFilesDir(process.pid);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, String(blocked.pid)), join(root, 'test/unit/earlier.test.ts'));
    const said: string[] = [];
    const watchdog = new StallWatchdog({ stalledAfterSeconds: 0.2 });
    watchdog.onInit({ logger: { error: (text: string) => said.push(text) }, config: { root } } as never);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await watchdog.check();
      expect(said[0]).toMatch(
        /^stall watchdog: nothing heard for \d+ s; process \d+ last took test\/unit\/earlier\.test\.ts/,
      );
      expect(await exited).toEqual([null, 'SIGKILL']);
    } finally {
      blocked.kill('SIGKILL');
      watchdog.onTestRunEnd([], []);
    }
  }, 90_000);
});
