// Real processes for the tests of `npm start` and the CLI: spawned with tsx on free loopback ports, their pino
// lines parsed, every wait bounded. Only processes spawned here (and the servers they leave) are ever killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client, Connection } from '@temporalio/client';
import { afterAll, afterEach, inject } from 'vitest';
import { readPidFile, stopProcess } from '../../src/temporal/dev-server-pid.js';
import { bundleFileIn } from '../../src/temporal/workflow-bundle.js';
import { TEST_CODEC_KEYS, TEST_SECRETS_KEY, testDataConverter } from './temporal.js';

export const root = join(import.meta.dirname, '../..');

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `numberflow-${prefix}-`));
}

/** `count` distinct free ports (held open together so none is handed out twice). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, async () => {
      const server = createServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return server;
    }),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    if (typeof address !== 'object' || !address) throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  return ports;
}

/**
 * `count` distinct free ports below Linux's ephemeral range (32768+), for servers that are restarted on the same
 * port: in that range, between a stop and the restart, another process's outgoing connection may take the port as
 * its local end (or a client retrying the dead port connects to itself, TCP self-connect), and the restart fails
 * with EADDRINUSE. Held open together so none is handed out twice.
 */
export async function freeStablePorts(count: number): Promise<number[]> {
  const held: ReturnType<typeof createServer>[] = [];
  try {
    for (let attempt = 0; held.length < count && attempt < 100 * count; attempt++) {
      const port = 20_000 + Math.floor(Math.random() * 12_000);
      const server = createServer();
      const bound = await new Promise<boolean>((done) => {
        server.once('error', () => done(false));
        server.listen(port, '127.0.0.1', () => done(true));
      });
      if (bound) held.push(server);
    }
    if (held.length < count) throw new Error('no free port below 32768');
    return held.map((server) => {
      const address = server.address();
      if (typeof address !== 'object' || !address) throw new Error('no port');
      return address.port;
    });
  } finally {
    await Promise.all(held.map((server) => new Promise((done) => server.close(done))));
  }
}

export interface MainEnv {
  env: Record<string, string>;
  dataDir: string;
  temporalPort: number;
  uiPort: number;
  sandboxPort: number;
  address: string;
}

/**
 * The environment of an `npm start` on its own data folder and ports (sandbox mode: no Meta token). Stable ports:
 * tests restart it on the same ones.
 */
export async function mainEnv(dataDir = tempDir('start')): Promise<MainEnv> {
  const [temporalPort = 0, uiPort = 0, httpPort = 0, sandboxPort = 0] = await freeStablePorts(4);
  return {
    dataDir,
    temporalPort,
    uiPort,
    sandboxPort,
    address: `127.0.0.1:${temporalPort}`,
    env: {
      PATH: process.env.PATH ?? '',
      NUMBERFLOW_DATA_DIR: dataDir,
      NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS,
      NUMBERFLOW_SECRETS_KEY: TEST_SECRETS_KEY,
      TEMPORAL_DEV_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      HTTP_PORT: String(httpPort),
      SANDBOX_PORT: String(sandboxPort),
      LOG_LEVEL: 'info',
    },
  };
}

export type LogLine = Record<string, unknown> & { msg?: string };

export interface Spawned {
  child: ChildProcess;
  pid: number;
  lines: LogLine[];
  /** Standard output as written (lines that are JSON are also parsed into `lines`). */
  stdout(): string;
  stderr(): string;
  /** The first log line whose message matches, waiting up to `timeoutMs`. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<LogLine>;
  /** The exit code (null when killed by a signal), waiting up to `timeoutMs` (then SIGKILL). */
  exit(timeoutMs?: number): Promise<number | null>;
}

function spawnTsx(script: string, env: Record<string, string>, args: string[] = []): Spawned {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, script), ...args], {
    cwd: root,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${script}`);
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      lines.push({ msg: text });
    }
    for (const wake of waiters) wake();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    child,
    pid: child.pid,
    lines,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForLog: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const line = lines.find((l) => pattern.test(String(l.msg)));
          if (!line) return;
          cleanup();
          resolve(line);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no log line ${pattern} within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
        }, timeoutMs);
        const gone = () => {
          cleanup();
          reject(new Error(`${script} exited before logging ${pattern}; stderr: ${stderr.slice(-2000)}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off('exit', gone);
        };
        waiters.add(check);
        child.once('exit', gone);
        check();
      }),
    exit: async (timeoutMs = 60_000) => {
      const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(guard);
      }
    },
  };
}

/** `npm start` (src/main.ts) as a real process. */
export function spawnMain(env: MainEnv): Spawned {
  return spawnTsx('src/main.ts', env.env);
}

/** `npm run service` (src/service.ts) as a real process, with exactly `env` (and PATH). */
export function spawnService(env: Record<string, string>): Spawned {
  return spawnTsx('src/service.ts', { PATH: process.env.PATH ?? '', ...env });
}

/** Starts `npm start` and waits until its worker polls; answers the process and the sandbox's demo accounts. */
export async function startMain(env: MainEnv): Promise<{ main: Spawned; portfolioId: string; wabaId: string }> {
  const main = spawnMain(env);
  const sandbox = await main.waitForLog(/Graph API sandbox on/);
  await main.waitForLog(/numberflow is running/);
  return { main, portfolioId: String(sandbox.portfolioId), wabaId: String(sandbox.wabaId) };
}

/**
 * The operator's command line (src/starter.ts) against `npm start`'s server, with the same environment: as on an
 * operator's machine, it finds the embedded server by TEMPORAL_DEV_PORT, with no TEMPORAL_ADDRESS. `stdin` is what a
 * person would pipe into it.
 */
export async function runCli(
  env: Pick<MainEnv, 'env'>,
  args: string[],
  stdin = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCliWith(env.env, args, stdin);
}

/** The command line as a real process with exactly this environment; `stdin` is what a person would pipe into it. */
export async function runCliWith(
  env: Record<string, string>,
  args: string[],
  stdin = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = spawnCli(env, args, stdin);
  const code = await cli.exit(60_000);
  return { code, stdout: cli.lines.map((l) => l.msg).join('\n'), stderr: cli.stderr() };
}

/** The command line as a process with exactly `env` (nothing inherited); `stdin` is written to it, then closed. */
export function spawnCli(env: Record<string, string>, args: string[], stdin = ''): Spawned {
  const cli = spawnTsx('src/starter.ts', env, args);
  cli.child.stdin?.end(stdin);
  return cli;
}

/** A client of `npm start`'s Temporal server, with the tests' payload key (the one mainEnv gives it). */
export async function clientOf(env: MainEnv): Promise<Client> {
  const connection = await Connection.connect({ address: env.address });
  return new Client({ connection, dataConverter: testDataConverter });
}

/**
 * A worker process (test/support/worker-child.ts) on the run's dev server and `taskQueue`, calling the sandbox at
 * `graphBaseUrl` with `token`; resolves once it polls. The test kills it by its pid (SIGKILL) and starts another.
 */
export async function startWorkerChild(options: WorkerProcessOptions): Promise<Spawned> {
  const worker = spawnTsx('test/support/worker-child.ts', workerEnv(options));
  await worker.waitForLog(/worker running/);
  return worker;
}

export interface WorkerProcessOptions {
  taskQueue: string;
  graphBaseUrl: string;
  token: string;
  appSecret: string;
  /** LOG_LEVEL of the worker's log (its lines in Spawned.lines); error by default. */
  logLevel?: string;
}

/**
 * `npm run worker` itself (src/worker.ts) on the run's dev server, loading the run's workflow bundle from a folder
 * as NUMBERFLOW_WORKFLOW_BUNDLE names it, with `env` on top; resolves once it polls.
 */
export async function startWorkerProcess(
  options: WorkerProcessOptions & { env?: Record<string, string> },
): Promise<Spawned> {
  const bundles = tempDir('bundles');
  copyFileSync(inject('workflowBundlePath'), bundleFileIn(bundles, false));
  const worker = spawnTsx('src/worker.ts', {
    ...workerEnv({ ...options, logLevel: options.logLevel ?? 'info' }),
    NUMBERFLOW_WORKFLOW_BUNDLE: bundles,
    ...options.env,
  });
  await worker.waitForLog(/worker running/);
  return worker;
}

function workerEnv(options: WorkerProcessOptions): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    TEMPORAL_ADDRESS: inject('devServerAddress'),
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    NUMBERFLOW_CODEC_KEYS: TEST_CODEC_KEYS,
    NUMBERFLOW_SECRETS_KEY: TEST_SECRETS_KEY,
    WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
    GRAPH_BASE_URL: options.graphBaseUrl,
    META_ACCESS_TOKEN: options.token,
    META_APP_SECRET: options.appSecret,
    META_WEBHOOK_VERIFY_TOKEN: 'test-verify-token',
    LOG_LEVEL: options.logLevel ?? 'error',
    NUMBERFLOW_DATA_DIR: tempDir('worker-child'), // its identity store, never the repository's .data
  };
}

/**
 * What a file's tests start, stopped after each test: the processes it `started`, and the dev server of every data
 * folder it `track`ed that a killed `npm start` left running (found by the pid file's pid).
 */
export function stoppedAfterEach(): { started: ChildProcess[]; track(env: MainEnv): MainEnv } {
  const started: ChildProcess[] = [];
  const dataDirs: string[] = [];
  afterEach(async () => {
    for (const child of started.splice(0)) child.kill('SIGKILL');
    for (const dir of dataDirs.splice(0)) {
      const record = readPidFile(join(dir, 'temporal-server.pid'));
      if (record) await stopProcess(record.pid);
    }
  });
  return {
    started,
    track: (env) => {
      dataDirs.push(env.dataDir);
      return env;
    },
  };
}

/**
 * A real client whose frontend's port has nothing listening (a stopped server), without the SDK's retry interceptor
 * (it would retry UNAVAILABLE for half a minute before saying so); closed after the file.
 */
export function useUnreachableClient(): () => Promise<Client> {
  const connections: Connection[] = [];
  afterAll(async () => {
    for (const connection of connections) await connection.close().catch(() => undefined);
  });
  return async () => {
    const connection = Connection.lazy({ address: `127.0.0.1:${(await freePorts(1))[0]}`, interceptors: [] });
    connections.push(connection);
    return new Client({ connection });
  };
}
