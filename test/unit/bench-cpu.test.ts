// The benchmark's CPU readings (bench/cpu.ts): /proc's stat line read right whatever the command's name, the dev
// server found by its port among real processes, and a meter that only counts forward. No timing asserted.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { CpuMeter, devServerPid, isDevServerOn, processCpuSeconds, statCpuSeconds } from '../../bench/cpu.js';

const hasProc = existsSync('/proc/self/stat');

describe('bench CPU readings', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill();
    child = undefined;
  });

  it('reads user and system ticks after the command name, even one with spaces and parentheses', () => {
    const stat = '4242 (temporal (dev) x) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 75 0 0 20 0 12 0 100 0 0';
    expect(statCpuSeconds(stat)).toBe(3.25);
    expect(statCpuSeconds('4242 (short)')).toBeNull();
  });

  it('knows a dev server by its port argument only', () => {
    const args = ['/x/temporal', 'server', 'start-dev', '--port', '7233', '--ip', '127.0.0.1'];
    expect(isDevServerOn(args, '7233')).toBe(true);
    expect(isDevServerOn(args, '7234')).toBe(false);
    expect(isDevServerOn(['/x/temporal', 'server', 'start', '--port', '7233'], '7233')).toBe(false);
    expect(isDevServerOn(['/x/temporal', 'server', 'start-dev', '--port'], '7233')).toBe(false);
  });

  it.runIf(hasProc)('finds a process by its arguments and reads its CPU time', async () => {
    // A stand-in with a dev server's arguments; node hands the words after the script to it untouched.
    child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)', 'start-dev', '--port', '65011']);
    await new Promise((resolve) => child?.once('spawn', resolve));
    expect(devServerPid('127.0.0.1:65011')).toBe(child.pid);
    expect(devServerPid('127.0.0.1:65012')).toBeNull();
    expect(processCpuSeconds(child.pid as number)).toBeGreaterThanOrEqual(0);
    expect(processCpuSeconds(2 ** 30)).toBeNull(); // no such process
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
