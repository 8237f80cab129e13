import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

describe('npm run sandbox (src/sandbox/main.ts)', () => {
  it('prints the base URL, the WABA and portfolio ids and the outbox route, hides the app secret, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/sandbox/main.ts'], {
      env: { ...process.env, SANDBOX_PORT: '0', SANDBOX_APP_SECRET: 'do-not-print-me', SANDBOX_SEED: '5' },
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
    expect(output).toMatch(/WABA id: +\d+/);
    expect(output).toMatch(/portfolio id: +\d+/);
    expect(output).toContain(`curl ${url}/_sandbox/outbox`);
    expect(output).toMatch(/app secret: +set/);
    expect(output).not.toContain('do-not-print-me');

    const outbox = await fetch(`${url}/_sandbox/outbox`);
    expect(await outbox.json()).toEqual([]);

    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
  });
});
