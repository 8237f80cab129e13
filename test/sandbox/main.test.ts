import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';
import { tempDir } from '../support/processes.js';

/** `npm run sandbox` in a process of its own, its state in `stateDir`: its printed lines, then stopped by SIGTERM. */
async function runSandbox(stateDir: string, whileUp: (url: string, output: string) => Promise<void>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/sandbox/main.ts'], {
    env: {
      ...process.env,
      SANDBOX_PORT: '0',
      SANDBOX_APP_SECRET: 'do-not-print-me',
      SANDBOX_SEED: '5',
      SANDBOX_STATE_DIR: stateDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = once(child, 'exit');
  for await (const line of createInterface({ input: child.stdout })) {
    lines.push(line);
    if (line.startsWith('Other admin routes')) break;
  }
  const output = lines.join('\n');
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
  expect(url).toBeDefined();
  await whileUp(url as string, output);
  child.kill('SIGTERM');
  const [code] = await exited;
  expect(code).toBe(0);
  return output;
}

const printed = (output: string, what: string) => new RegExp(`${what}: +(\\S+)`).exec(output)?.[1];

describe('npm run sandbox (src/sandbox/main.ts)', () => {
  it('prints the base URL, the WABA and portfolio ids and the outbox route, hides the app secret, and stops on SIGTERM', async () => {
    await runSandbox(tempDir('sandbox-main'), async (url, output) => {
      expect(output).toMatch(/WABA id: +\d+/);
      expect(output).toMatch(/portfolio id: +\d+/);
      expect(output).toContain(`curl ${url}/_sandbox/outbox`);
      expect(output).toMatch(/app secret: +set/);
      expect(output).not.toContain('do-not-print-me');
      const outbox = await fetch(`${url}/_sandbox/outbox`);
      expect(await outbox.json()).toEqual([]);
    });
  });

  it('is the same Meta after a restart: its demo account and numbers are kept in its state folder', async () => {
    const stateDir = tempDir('sandbox-main');
    let added = '';
    const first = await runSandbox(stateDir, async (url, output) => {
      const answer = await fetch(`${url}/v23.0/${printed(output, 'WABA id')}/phone_numbers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${printed(output, 'access token')}` },
        body: new URLSearchParams({ cc: '1', phone_number: '4155552671', verified_name: 'Acme' }),
      });
      added = ((await answer.json()) as { id: string }).id;
    });
    expect(existsSync(join(stateDir, 'sandbox-state.enc'))).toBe(true);
    const second = await runSandbox(stateDir, async (url, output) => {
      const read = await fetch(`${url}/v23.0/${added}`, {
        headers: { authorization: `Bearer ${printed(output, 'access token')}` },
      });
      expect(read.status).toBe(200);
    });
    for (const what of ['portfolio id', 'WABA id', 'access token'])
      expect(printed(second, what)).toBe(printed(first, what));
    expect(second).toContain(`state kept in:  ${stateDir}`);
  });

  it('refuses a second sandbox on the state folder of one running, naming it; the folder is free once it stops', async () => {
    const stateDir = tempDir('sandbox-main');
    let runningPid = 0;
    await runSandbox(stateDir, async () => {
      runningPid = Number(readFileSync(join(stateDir, 'sandbox.lock'), 'utf8').split(' ')[0]);
      await expect(startSandbox({ appSecret: 's', stateDir, port: 0 })).rejects.toThrow(
        `another sandbox (pid ${runningPid}) keeps its state in ${stateDir}: stop it, or give this one a folder of its own`,
      );
      // The same folder by another name (a symlink) is the same folder.
      const link = join(tempDir('sandbox-link'), 'state');
      symlinkSync(stateDir, link);
      await expect(startSandbox({ appSecret: 's', stateDir: link, port: 0 })).rejects.toThrow(
        `another sandbox (pid ${runningPid}) keeps its state in ${link}`,
      );
    });
    expect(existsSync(join(stateDir, 'sandbox.lock'))).toBe(false); // released as it stopped
    // A copy of a running one's folder (a backup restored beside it) is not held by it.
    await runSandbox(stateDir, async () => {
      const copy = tempDir('sandbox-copy');
      cpSync(stateDir, copy, { recursive: true });
      const beside = await startSandbox({ appSecret: 's', stateDir: copy, port: 0 });
      await beside.close();
    });
    const sandbox = await startSandbox({ appSecret: 's', stateDir, port: 0 });
    try {
      // One in this process holds it too: a second start here is refused, and the first keeps its lock.
      await expect(startSandbox({ appSecret: 's', stateDir, port: 0 })).rejects.toThrow(
        `another sandbox (pid ${process.pid}) keeps its state in ${stateDir}`,
      );
      expect(existsSync(join(stateDir, 'sandbox.lock'))).toBe(true);
    } finally {
      await sandbox.close();
    }
    expect(existsSync(join(stateDir, 'sandbox.lock'))).toBe(false);
  });
});
