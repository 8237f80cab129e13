// The command line starts with what its mode needs: through the API (an operator's machine) it loads neither
// Temporal's client (gRPC) nor the stores' drivers, and in direct mode not the worker's native core — each a part of
// a second on every command on a busy machine.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../support/processes.js';
import { TEST_CODEC_KEYS } from '../support/temporal.js';

/** The packages a command loaded, and what it said; nothing answers at the address it is given. */
function packagesLoaded(env: Record<string, string>, args: string[]): { loaded: string[]; said: string } {
  const hook = join(root, 'test/support/package-trace.mjs');
  const run = spawnSync(process.execPath, ['--import', hook, '--import', 'tsx', 'src/starter.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(75); // nothing answers: run again later
  const loaded = [...run.stderr.matchAll(/^loaded (\S+)$/gm)].map((m) => m[1] as string);
  return { loaded, said: run.stderr.replace(/^loaded \S+\n/gm, '') };
}

/** The packages loaded by importing `modules` (what a command loads once it runs). */
function packagesImported(modules: string[]): string[] {
  const hook = join(root, 'test/support/package-trace.mjs');
  const code = modules.map((m) => `await import(${JSON.stringify(m)});`).join(' ');
  const run = spawnSync(process.execPath, ['--import', hook, '--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return [...run.stderr.matchAll(/^loaded (\S+)$/gm)].map((m) => m[1] as string);
}

describe('the command line at startup', () => {
  it("loads neither Temporal's client nor a database driver in API mode", () => {
    const api = { NUMBERFLOW_URL: 'http://127.0.0.1:9', NUMBERFLOW_TOKEN: 'nf_x' };
    const { loaded, said } = packagesLoaded(api, ['show', '+14155552671']);
    expect(said).toMatch(/^numberflow: cannot reach numberflow at http:\/\/127\.0\.0\.1:9 /);
    expect(loaded).toContain('undici');
    for (const heavy of ['@temporalio/client', '@grpc/grpc-js', '@temporalio/worker', 'pg', 'better-sqlite3', 'pino'])
      expect(loaded).not.toContain(heavy);
  }, 60_000);

  it("loads Temporal's client but not the worker's core or a database driver in direct mode", () => {
    const direct = { TEMPORAL_ADDRESS: '127.0.0.1:9', NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS };
    const { loaded, said } = packagesLoaded(direct, ['show', '+14155552671']);
    expect(said).toMatch(/^numberflow: .*connect/i); // it got as far as connecting
    expect(loaded).toContain('@temporalio/client');
    expect(loaded).toContain('@grpc/grpc-js');
    for (const heavy of ['@temporalio/worker', '@temporalio/core-bridge', 'pg', 'better-sqlite3', 'pino'])
      expect(loaded).not.toContain(heavy);
  }, 60_000);

  it("loads what reveal-pin imports when it runs (the logger, pin-reveal) without the worker's core", () => {
    // The modules src/cli/secrets-commands.ts imports in reveal-pin's action.
    const loaded = packagesImported(['./src/logger.ts', './src/pin-reveal.ts']);
    expect(loaded).toContain('pino');
    for (const heavy of ['@temporalio/worker', '@temporalio/core-bridge']) expect(loaded).not.toContain(heavy);
  }, 60_000);

  it('stops quietly, status 0, when its reader closed the pipe early (`| head`)', () => {
    // `true` reads nothing and is gone long before the command line has started, so its first line meets EPIPE.
    const script = `node --import tsx src/starter.ts secrets-keygen | true; echo "status \${PIPESTATUS[0]}" >&2`;
    const run = spawnSync('bash', ['--norc', '--noprofile', '-c', script], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('status 0\n');
  }, 60_000);
});
