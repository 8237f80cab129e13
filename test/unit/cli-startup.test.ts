// The command line starts with what its mode needs: through the API (an operator's machine) it loads neither the
// Temporal SDK nor the stores' drivers, and in direct mode not the worker's native core — each a part of a second
// on every command on a busy machine.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../support/processes.js';

function packagesLoaded(env: Record<string, string>, args: string[]): string[] {
  const hook = join(root, 'test/support/package-trace.mjs');
  const run = spawnSync(process.execPath, ['--import', hook, '--import', 'tsx', 'src/starter.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(1); // nothing answers at either address: the command fails, having loaded
  return [...run.stderr.matchAll(/^loaded (\S+)$/gm)].map((m) => m[1] as string);
}

describe('the command line at startup', () => {
  it('loads neither the Temporal SDK nor a database driver in API mode', () => {
    const loaded = packagesLoaded({ NUMBERFLOW_URL: 'http://127.0.0.1:9', NUMBERFLOW_TOKEN: 'nf_x' }, [
      'show',
      '+14155552671',
    ]);
    expect(loaded).toContain('undici');
    for (const heavy of [
      '@temporalio/client',
      '@temporalio/worker',
      '@temporalio/proto',
      'pg',
      'better-sqlite3',
      'pino',
      'fastify',
    ])
      expect(loaded).not.toContain(heavy);
  }, 60_000);

  it("loads Temporal's client but not the worker's core or a database driver in direct mode", () => {
    const loaded = packagesLoaded({ TEMPORAL_ADDRESS: '127.0.0.1:9' }, ['show', '+14155552671']);
    expect(loaded).toContain('@temporalio/client');
    for (const heavy of ['@temporalio/worker', 'pg', 'better-sqlite3', 'pino', 'fastify'])
      expect(loaded).not.toContain(heavy);
  }, 60_000);
});
