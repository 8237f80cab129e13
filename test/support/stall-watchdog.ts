// A worker process that stalls is stopped, and said, instead of holding the run for ever: a test's and a hook's
// timeouts cannot fire while a process's event loop is blocked, nor while a file is being imported. A process is
// stalled when its heartbeat (running-file.ts) has not come for 5 minutes — the longest a file blocks its loop on
// purpose is four synchronous tests of a minute's spawnSync at most — or when its file has run for 30 minutes (the slowest takes under one). Its
// threads and, where gdb is installed and may attach, every thread's stack are printed; then it and the processes it
// started are killed by PID, and vitest fails the run with the worker's error. scripts/run-tests.sh runs the files
// that did not pass once more when all that failed was a stall: this reporter says so in NUMBERFLOW_TEST_STALLS.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { SerializedError } from 'vitest';
import type { Reporter, TestModule, TestRunEndReason, TestSpecification, Vitest } from 'vitest/node';

/** Where the worker processes of this run keep their heartbeat (the watchdog's folder, made for the run). */
export const RUNNING_DIR_VARIABLE = 'NUMBERFLOW_TEST_RUNNING_DIR';
/** How often a worker process beats (5 s; the watchdog's own test beats faster). */
export const HEARTBEAT_MS_VARIABLE = 'NUMBERFLOW_TEST_HEARTBEAT_MS';

interface Limits {
  /** A process whose heartbeat has not come for this long is stalled (NUMBERFLOW_TEST_STALL_SECONDS, else 300). */
  silentSeconds?: number;
  /** A file that has run this long is stalled, its process beating or not (1,800). */
  fileSeconds?: number;
}

interface Stall {
  file: string;
  pid: number | undefined;
  /** The stalled process's main thread, innermost frame first, as gdb read it (unnamed frames counted). */
  mainThread: string;
}

/** A positive number of seconds from the environment, else `otherwise` (an empty or bad value would stop all). */
function secondsFrom(value: string | undefined, otherwise: number): number {
  const seconds = Number(value);
  return value && Number.isFinite(seconds) && seconds > 0 ? seconds : otherwise;
}

export default class StallWatchdog implements Reporter {
  private readonly verdictFile: string | undefined;
  private readonly silentMs: number;
  private readonly fileMs: number;
  private readonly dir = mkdtempSync(join(tmpdir(), 'numberflow-test-running-'));
  private vitest!: Pick<Vitest, 'logger' | 'config'>;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  /** Set by a run's start: a watchdog that saw none (the watchdog's own test) writes no verdict. */
  private planned: string[] | undefined;
  private running = new Map<string, number>();
  private stalls: Stall[] = [];
  private readonly stopped = new Set<number>();

  constructor({ silentSeconds, fileSeconds = 1_800 }: Limits = {}) {
    // Where the verdict goes: taken from the environment here, in vitest's own process before it forks any worker,
    // so no test file (the watchdog's own test) can write it; and never from within a worker.
    this.verdictFile = process.env.VITEST_WORKER_ID ? undefined : process.env.NUMBERFLOW_TEST_STALLS;
    delete process.env.NUMBERFLOW_TEST_STALLS;
    this.silentMs = (silentSeconds ?? secondsFrom(process.env.NUMBERFLOW_TEST_STALL_SECONDS, 300)) * 1000;
    this.fileMs = fileSeconds * 1000;
    process.env[RUNNING_DIR_VARIABLE] = this.dir; // the worker processes, forked after, inherit it
    process.once('exit', () => rmSync(this.dir, { recursive: true, force: true }));
  }

  onInit(vitest: Pick<Vitest, 'logger' | 'config'>): void {
    this.vitest = vitest;
  }

  onTestRunStart(specifications: ReadonlyArray<TestSpecification>): void {
    this.planned = specifications.map((spec) => spec.moduleId);
    this.running = new Map();
    this.stalls = [];
    const every = Math.min(15_000, this.silentMs / 4);
    this.timer ??= setInterval(() => void this.check(), every).unref();
  }

  onTestModuleQueued(module: TestModule): void {
    this.running.set(module.moduleId, Date.now());
  }

  onTestModuleEnd(module: TestModule): void {
    this.running.delete(module.moduleId);
  }

  async onTestRunEnd(
    modules: ReadonlyArray<TestModule>,
    errors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason = 'passed', // vitest's by the tests alone (a killed worker's error aside)
  ): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.checking; // a stop under way is said below
    for (const s of this.stalls)
      this.log(`ended ${s.file} (process ${s.pid ?? 'not found'}); its main thread: ${s.mainThread || 'not read'}`);
    const out = this.verdictFile;
    if (!out || !this.planned || this.stalls.length === 0 || reason === 'interrupted') return;
    // A verdict only where nothing but the stalls failed: each killed worker is one pool error ("worker emitted
    // error"), and the files it held stay unfinished. The files that did not pass are to run again.
    const poolErrors = errors.filter((e) => /^\[vitest-pool\]: Worker \w+ emitted error/.test(e.message));
    const killed = this.stalls.filter((s) => s.pid !== undefined).length;
    const failed = modules.filter((m) => m.state() === 'failed');
    if (poolErrors.length !== errors.length || poolErrors.length > killed || failed.length > 0) return;
    const done = new Set(modules.filter((m) => m.ok() && m.state() !== 'pending').map((m) => m.moduleId));
    const again = this.planned.filter((file) => !done.has(file));
    writeFileSync(out, ['only stalls', ...again].map((line) => `${line}\n`).join(''));
  }

  /** Stops what stalled; every few seconds. */
  async check(): Promise<void> {
    if (this.checking) return this.checking;
    this.checking = this.stopStalled().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async stopStalled(): Promise<void> {
    const beats = this.heartbeats();
    for (const [pid, { file, silentMs }] of beats) {
      if (silentMs < this.silentMs || this.stopped.has(pid)) continue;
      this.running.delete(file); // its file is said here, not again by its age
      await this.stop(pid, file, `no heartbeat for ${Math.round(silentMs / 1000)} s`);
    }
    for (const [moduleId, since] of this.running) {
      if (Date.now() - since < this.fileMs) continue;
      this.running.delete(moduleId);
      const pid = [...beats].find(([, beat]) => beat.file === moduleId)?.[0] ?? this.silentWorker(beats);
      await this.stop(pid, moduleId, `${this.name(moduleId)} has run for ${Math.round((Date.now() - since) / 1000)} s`);
    }
  }

  private name(moduleId: string): string {
    return moduleId ? relative(this.vitest.config.root, moduleId) : '(no file yet)';
  }

  private log(text: string): void {
    this.vitest.logger.error(`stall watchdog: ${text}`);
  }

  /** Each worker process of this run: the file it last named, and how long since its last heartbeat. */
  private heartbeats(): Map<number, { file: string; silentMs: number }> {
    const beats = new Map<number, { file: string; silentMs: number }>();
    for (const name of safely(() => readdirSync(this.dir), [])) {
      const pid = Number(name);
      const path = join(this.dir, name);
      if (!isWorker(pid)) {
        rmSync(path, { force: true }); // gone (or not a worker of this run): a process given its pid starts afresh
        continue;
      }
      const silentMs = Date.now() - safely(() => statSync(path).mtimeMs, Date.now());
      beats.set(pid, { file: safely(() => readFileSync(path, 'utf8'), ''), silentMs });
    }
    return beats;
  }

  /** A file's process that never beat (stalled before its setup files): the one worker of this run without a heartbeat. */
  private silentWorker(beats: Map<number, unknown>): number | undefined {
    const silent = childrenOf(process.pid).filter((pid) => isWorker(pid) && !beats.has(pid) && !this.stopped.has(pid));
    return silent.length === 1 ? silent[0] : undefined;
  }

  private async stop(pid: number | undefined, moduleId: string, why: string): Promise<void> {
    const file = this.name(moduleId);
    this.log(`${file} stalled: ${why}${pid === undefined ? '' : ` (process ${pid})`}`);
    const stall: Stall = { file, pid, mainThread: '' };
    this.stalls.push(stall);
    if (pid === undefined) return this.log(`no process of this run is found running ${file}: none is stopped`);
    this.stopped.add(pid);
    this.log(`its threads (name, state, CPU ticks): ${threadsOf(pid)}`);
    const stacks = await stacksOf(pid);
    this.log(stacks.text);
    stall.mainThread = stacks.mainThread;
    // The processes it started (a test's servers) go with it: none would be stopped by anyone after.
    const tree = [pid, ...descendantsOf(pid)];
    for (const each of tree) safely(() => process.kill(each, 'SIGKILL'), undefined);
    this.log(`killed process ${pid}${tree.length > 1 ? ` and the ${tree.length - 1} it started` : ''}`);
  }
}

function safely<T>(read: () => T, otherwise: T): T {
  try {
    return read();
  } catch {
    return otherwise;
  }
}

/** A process's or thread's stat file (`/proc/…/stat`): its name, and the fields after it (state first); none once gone. */
function statOf(path: string): { name: string; fields: string[] } | undefined {
  const stat = safely(() => readFileSync(path, 'utf8'), '');
  if (!stat) return undefined;
  const end = stat.lastIndexOf(')'); // the name may hold spaces and parentheses
  return { name: stat.slice(stat.indexOf('(') + 1, end), fields: stat.slice(end + 2).split(' ') };
}

/** A process's parent, from /proc (undefined once it is gone). */
function parentOf(pid: number): number | undefined {
  const ppid = Number(statOf(`/proc/${pid}/stat`)?.fields[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** One of this vitest process's workers: its child, running vitest (not a server a global setup started). */
function isWorker(pid: number): boolean {
  const command = safely(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8'), '');
  return childOf(process.pid, pid) && command.includes('/vitest/');
}

function childOf(parent: number, pid: number): boolean {
  return Number.isInteger(pid) && pid > 0 && parentOf(pid) === parent;
}

function childrenOf(parent: number): number[] {
  const pids = safely(() => readdirSync('/proc'), []).filter((name) => /^\d+$/.test(name));
  return pids.map(Number).filter((pid) => childOf(parent, pid));
}

function descendantsOf(pid: number): number[] {
  return childrenOf(pid).flatMap((child) => [child, ...descendantsOf(child)]);
}

/** Each thread's name, state (R running, S sleeping, D in I/O, T stopped) and CPU ticks, from /proc. */
function threadsOf(pid: number): string {
  const tids = safely(() => readdirSync(`/proc/${pid}/task`), []);
  return tids
    .map((tid) => {
      const { name = '?', fields = [] } = statOf(`/proc/${pid}/task/${tid}/stat`) ?? {};
      return `${name} ${fields[0]} ${Number(fields[11]) + Number(fields[12])}`;
    })
    .join(', ');
}

/** Every thread's native stack, by gdb where it is installed and may attach; the main thread's apart, on one line. */
async function stacksOf(pid: number): Promise<{ text: string; mainThread: string }> {
  // Functions only, never their arguments: gdb would print a buffer's bytes as text (a PIN being sealed, say).
  const args = [
    '-p',
    String(pid),
    '-batch',
    '-nx',
    '-ex',
    'set print frame-arguments none',
    '-ex',
    'thread apply all bt 24',
  ];
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
