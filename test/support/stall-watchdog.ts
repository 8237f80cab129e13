// A test file that runs for minutes without end is stopped, and said: its worker process's threads and stacks are
// printed, then the process is killed, so vitest fails that file and the run ends instead of waiting for ever (a
// test's and a hook's timeouts cannot fire while its process's event loop is blocked, or while a file is being
// imported). The slowest file takes under a minute. scripts/run-tests.sh runs such a file once more when it was the
// run's only failure: the stall watchdog's file (NUMBERFLOW_TEST_STALLS) names it then.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { SerializedError } from 'vitest';
import type { Reporter, TestModule, TestSpecification, Vitest } from 'vitest/node';

/** Where the worker processes of the vitest process `vitestPid` say which file they run (running-file.ts). */
export function runningFilesDir(vitestPid: number): string {
  return join(tmpdir(), 'numberflow-test-files', String(vitestPid));
}

interface Stall {
  file: string;
  pid: number | undefined;
  seconds: number;
  /** The stalled process's main thread, innermost frame first, as gdb read it (unnamed frames counted). */
  mainThread: string;
}

export default class StallWatchdog implements Reporter {
  /** How long a file may run, or the run be silent, before it is taken as stalled (the slowest file: under a minute). */
  private readonly stalledAfterMs: number;
  private vitest!: Pick<Vitest, 'logger' | 'config'>;
  private readonly running = new Map<string, number>();
  private readonly stalls: Stall[] = [];
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private lastHeard = Date.now();
  private planned: string[] = [];

  /** The reporter's options (vitest gives them): `stalledAfterSeconds`, else NUMBERFLOW_TEST_STALL_SECONDS, else 300. */
  constructor({ stalledAfterSeconds }: { stalledAfterSeconds?: number } = {}) {
    this.stalledAfterMs = (stalledAfterSeconds ?? Number(process.env.NUMBERFLOW_TEST_STALL_SECONDS ?? 300)) * 1000;
  }

  onInit(vitest: Pick<Vitest, 'logger' | 'config'>): void {
    this.vitest = vitest;
    this.timer = setInterval(() => void this.check(), Math.min(15_000, this.stalledAfterMs / 2)).unref();
  }

  onTestRunStart(specifications: ReadonlyArray<TestSpecification>): void {
    this.planned = specifications.map((spec) => spec.moduleId);
    this.lastHeard = Date.now();
  }

  onTestModuleQueued(module: TestModule): void {
    this.running.set(module.moduleId, (this.lastHeard = Date.now()));
  }

  onTestCaseResult(): void {
    this.lastHeard = Date.now();
  }

  onTestModuleEnd(module: TestModule): void {
    this.running.delete(module.moduleId);
    this.lastHeard = Date.now();
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    clearInterval(this.timer);
    rmSync(runningFilesDir(process.pid), { recursive: true, force: true });
    if (this.stalls.length === 0) return;
    for (const s of this.stalls)
      this.vitest.logger.error(
        `stall watchdog: ended ${s.file} after ${s.seconds} s (process ${s.pid ?? 'not found'}); its main thread: ` +
          (s.mainThread || 'not read'),
      );
    // Run again only where nothing but the stalls failed (a killed process is vitest's "worker emitted error"): every
    // file that did not pass, those a killed process had taken but not started among them.
    const stalled = new Set(this.stalls.map((s) => s.file));
    const failed = modules.filter((m) => m.state() === 'failed').map((m) => this.name(m.moduleId));
    const otherErrors = unhandledErrors.filter((e) => !/^\[vitest-pool\]: Worker \w+ emitted error/.test(e.message));
    const done = new Set(modules.filter((m) => m.ok() && m.state() !== 'pending').map((m) => m.moduleId));
    const again = this.planned.filter((file) => !done.has(file));
    const out = process.env.NUMBERFLOW_TEST_STALLS;
    if (out && otherErrors.length === 0 && failed.every((file) => stalled.has(file)))
      writeFileSync(out, ['only stalls', ...again].map((line) => `${line}\n`).join(''));
  }

  private name(moduleId: string): string {
    return relative(this.vitest.config.root, moduleId);
  }

  /** Stops what stalled (run every few seconds). */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const [moduleId, since] of this.running) {
        if (Date.now() - since < this.stalledAfterMs) continue;
        this.running.delete(moduleId);
        const file = this.name(moduleId);
        const seconds = Math.round((Date.now() - since) / 1000);
        await this.stop(file, seconds, `${file} has run for ${seconds} s with no end`, this.processRunning(moduleId));
      }
      // Nothing reported for as long (a process stalled before it said which file it took): every worker process
      // still there, the others having ended with the files they ran.
      if (Date.now() - this.lastHeard < this.stalledAfterMs) return;
      const seconds = Math.round((Date.now() - this.lastHeard) / 1000);
      for (const [pid, moduleId] of Object.entries(this.runningFiles())) {
        if (this.stalls.some((s) => s.pid === Number(pid))) continue;
        const file = this.name(moduleId);
        await this.stop(file, seconds, `nothing heard for ${seconds} s; process ${pid} last took ${file}`, Number(pid));
      }
    } finally {
      this.checking = false;
    }
  }

  private async stop(file: string, seconds: number, why: string, pid: number | undefined): Promise<void> {
    const log = (text: string) => this.vitest.logger.error(`stall watchdog: ${text}`);
    log(`${why}${pid ? ` (process ${pid})` : ''}`);
    const stall: Stall = { file, pid, seconds, mainThread: '' };
    this.stalls.push(stall);
    if (pid === undefined) {
      log(`no worker process says it runs ${file}: none is stopped (${JSON.stringify(this.runningFiles())})`);
      return;
    }
    log(`its threads (name, state, CPU ticks): ${threadsOf(pid)}`);
    const stacks = await stacksOf(pid);
    log(stacks.text);
    stall.mainThread = stacks.mainThread;
    try {
      process.kill(pid, 'SIGKILL');
      log(`process ${pid} killed: vitest fails ${file}`);
    } catch (err) {
      log(`process ${pid} could not be killed: ${(err as Error).message}`);
    }
  }

  /** The worker process running `moduleId`, by what each process said (test/support/running-file.ts). */
  private processRunning(moduleId: string): number | undefined {
    const files = this.runningFiles();
    const named = Object.entries(files).find(([, file]) => file === moduleId);
    if (named) return Number(named[0]);
    // Stalled before its setup files ran: the one process whose last file has ended.
    const idle = Object.entries(files).filter(([, file]) => !this.running.has(file));
    return idle.length === 1 ? Number(idle[0]?.[0]) : undefined;
  }

  /** pid → the file it said it runs, for the live processes this vitest process forked. */
  private runningFiles(): Record<string, string> {
    const dir = runningFilesDir(process.pid);
    const files: Record<string, string> = {};
    for (const pid of safely(() => readdirSync(dir), [])) {
      if (safely(() => readFileSync(`/proc/${pid}/stat`, 'utf8'), '') === '') continue; // gone
      files[pid] = safely(() => readFileSync(join(dir, pid), 'utf8'), '');
    }
    return files;
  }
}

function safely<T>(read: () => T, otherwise: T): T {
  try {
    return read();
  } catch {
    return otherwise;
  }
}

/** Each thread's name, state (R running, S sleeping, D in I/O) and CPU ticks, from /proc. */
function threadsOf(pid: number): string {
  const tids = safely(() => readdirSync(`/proc/${pid}/task`), []);
  return tids
    .map((tid) => {
      const stat = safely(() => readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'), '');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return `${name} ${fields[0]} ${Number(fields[11]) + Number(fields[12])}`;
    })
    .join(', ');
}

/** Every thread's native stack, by gdb where it is installed; the main thread's apart, on one line. */
async function stacksOf(pid: number): Promise<{ text: string; mainThread: string }> {
  const args = ['-p', String(pid), '-batch', '-nx', '-ex', 'thread apply all bt 24'];
  try {
    const { stdout } = await promisify(execFile)('gdb', args, { timeout: 60_000, maxBuffer: 16 << 20 });
    const lines = stdout.split('\n').filter((line) => /^(Thread|#)/.test(line));
    const main = stdout.split(/\n(?=Thread )/).find((block) => /^Thread 1 /.test(block)) ?? '';
    return { text: `stacks (gdb):\n${lines.slice(0, 400).join('\n')}`, mainThread: framesOf(main) };
  } catch (err) {
    return { text: `stacks not read (gdb: ${(err as Error).message.split('\n')[0]})`, mainThread: '' };
  }
}

/** A gdb backtrace's functions, innermost first; a run of unnamed frames (JavaScript, mostly) as one. */
function framesOf(backtrace: string): string {
  const names: string[] = [];
  for (const match of backtrace.matchAll(/^#\d+\s+(?:0x[0-9a-f]+ in )?(.+?) \(/gm)) {
    const name = match[1] as string;
    const last = names.at(-1);
    if (name === '??' && last?.startsWith('??')) names[names.length - 1] = `?? ×${Number(last.slice(4) || 1) + 1}`;
    else names.push(name);
  }
  return names.join(' ← ');
}
