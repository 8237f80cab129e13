// The benchmark's CPU readings (bench/cpu.ts): /proc's stat line read right whatever the command's name, the dev
// server found by its port among real processes, and a meter that only counts forward. No timing asserted.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CpuMeter,
  devServerPid,
  isDevServerOn,
  processCpuSeconds,
  statCpuSeconds,
  statParentPid,
  treeCpuSeconds,
} from '../../bench/cpu.js';

const hasProc = existsSync('/proc/self/stat');

describe('bench CPU readings', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill();
    child = undefined;
  });

  it('reads user and system ticks and the parent after the command name, even one with spaces and parentheses', () => {
    const stat = '4242 (temporal (dev) x) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 75 0 0 20 0 12 0 100 0 0';
    expect(statCpuSeconds(stat)).toBe(3.25);
    expect(statParentPid(stat)).toBe(1);
    expect(statCpuSeconds('4242 (short)')).toBeNull();
    expect(statParentPid('4242 (short)')).toBeNull();
  });

  it('knows a dev server by its port argument only', () => {
    const args = ['/x/temporal', 'server', 'start-dev', '--port', '7233', '--ip', '127.0.0.1'];
    expect(isDevServerOn(args, '7233')).toBe(true);
    expect(isDevServerOn(args, '7234')).toBe(false);
    expect(isDevServerOn(['/x/temporal', 'server', 'start', '--port', '7233'], '7233')).toBe(false);
    expect(isDevServerOn(['/x/temporal', 'server', 'start-dev', '--port'], '7233')).toBe(false);
  });

  it.runIf(hasProc)("finds a process by its arguments and reads its CPU time, its child's included", async () => {
    // A stand-in with a dev server's arguments (node hands the words after the script to it untouched), on a port
    // of this run's own so that one an aborted run left behind is not found; it starts a child that burns 300 ms of
    // CPU and tells its pid. Both end by themselves within 20 s.
    const port = String(20_000 + (process.pid % 40_000));
    const burner = 'const end = Date.now() + 300; while (Date.now() < end); setTimeout(() => {}, 20000)';
    const script = `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(burner)}]);
      c.on('spawn', () => console.log(c.pid)); setTimeout(() => {}, 20000)`;
    child = spawn(process.execPath, ['-e', script, 'start-dev', '--port', port]);
    const grandchild = await new Promise<number>((resolve, reject) => {
      child?.once('error', reject).stdout?.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
    });
    expect(devServerPid(`127.0.0.1:${port}`)).toBe(child.pid);
    expect(devServerPid(`127.0.0.1:${port}0`)).toBeNull();
    let burnt = 0;
    for (let i = 0; i < 100 && burnt === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      burnt = processCpuSeconds(grandchild) ?? 0;
    }
    expect(burnt).toBeGreaterThan(0);
    const own = processCpuSeconds(child.pid as number) as number;
    expect(treeCpuSeconds(child.pid as number)).toBeGreaterThanOrEqual(own + burnt); // counters only grow
    expect(processCpuSeconds(2 ** 30)).toBeNull(); // no such process
    expect(treeCpuSeconds(2 ** 30)).toBeNull();
  });

  it('measures the CPU spent since a reading, this process always, the server where found', () => {
    const meter = new CpuMeter('127.0.0.1:65013'); // no server there
    const before = meter.now();
    let spin = 0;
    for (let i = 0; i < 2e6; i++) spin += i % 7;
    const spent = meter.since(before);
    expect(spin).toBeGreaterThan(0);
    expect(spent.bench).toBeGreaterThan(0);
    expect(spent.server).toBeNull();
  });
});
