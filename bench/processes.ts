// Processes and folders of a benchmark run: scratch folders, keys made for the run, and the worker as the image runs
// it (compiled, `node dist/worker.js`, with the Dockerfile worker stage's environment) as a child process on the
// bench's server, whose resident memory is read from /proc.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { createDataConverter } from '../src/codec/data-converter.js';
import { parseCodecKeys } from '../src/codec/keys.js';
import { parseSecretsKeys } from '../src/codec/secrets-keys.js';
import { generateSecretsKeyPair } from '../src/codec/sealing.js';
import { bundleFileIn, workflowInterceptorModules, workflowsPath } from '../src/temporal/workflow-bundle.js';

const root = join(import.meta.dirname, '..');

export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `numberflow-${prefix}-`));
}

/** A payload key and a secrets key pair made for this run only, as the worker's environment names them. */
export function runKeys(): { NUMBERFLOW_CODEC_KEYS: string; NUMBERFLOW_SECRETS_KEY: string } {
  return {
    NUMBERFLOW_CODEC_KEYS: `bench-1:${randomBytes(32).toString('base64')}`,
    NUMBERFLOW_SECRETS_KEY: generateSecretsKeyPair().privateKey,
  };
}

/** A client of the bench's server that encrypts and seals as a worker with `keys` expects. */
export async function keyedClient(address: string, keys: ReturnType<typeof runKeys>): Promise<Client> {
  const connection = await Connection.connect({ address });
  const dataConverter = createDataConverter(parseCodecKeys(keys.NUMBERFLOW_CODEC_KEYS), parseSecretsKeys(keys));
  return new Client({ connection, dataConverter });
}

let bundleDir: Promise<string> | undefined;

/** A folder with the prebuilt workflow bundle, as production's NUMBERFLOW_WORKFLOW_BUNDLE (built once a run). */
export function prebuiltBundle(): Promise<string> {
  bundleDir ??= (async () => {
    const dir = scratchDir('bench-bundle');
    const { code } = await bundleWorkflowCode({
      workflowsPath,
      workflowInterceptorModules,
      logger: new DefaultLogger('WARN'),
    });
    writeFileSync(bundleFileIn(dir, false), code);
    return dir;
  })();
  return bundleDir;
}

let built: Promise<string> | undefined;

/** The compiled worker (`npm run build` into dist/, once a run), as the image runs it: no tsx in the process. */
function compiledWorker(): Promise<string> {
  built ??= promisify(execFile)('npm', ['run', 'build'], { cwd: root }).then(() => join(root, 'dist/worker.js'));
  return built;
}

/**
 * The environment the image's `worker` stage sets, with what it inherits from the stages it is built on (their ENV
 * lines in the Dockerfile: NODE_ENV, the heap limit, malloc's arenas), so that the bench measures the worker as it
 * is deployed.
 */
export function imageWorkerEnv(dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8')): Record<string, string> {
  const stages = new Map<string, { from: string; body: string }>();
  for (const [, from = '', name = '', body = ''] of dockerfile.matchAll(
    /^FROM (\S+) AS (\S+)\s*$([\s\S]*?)(?=^FROM |(?![\s\S]))/gm,
  ))
    stages.set(name, { from, body });
  if (!stages.has('worker')) throw new Error('the Dockerfile has no `worker` stage');
  const chain: string[] = [];
  for (let name = 'worker'; stages.has(name) && !chain.includes(name); name = stages.get(name)?.from ?? '')
    chain.unshift(name);
  const env: Record<string, string> = {};
  for (const name of chain)
    for (const [, pairs = ''] of (stages.get(name)?.body ?? '').matchAll(/^ENV (.+)$/gm))
      for (const [, key = '', quoted, bare] of pairs.matchAll(/(\w+)=(?:"([^"]*)"|(\S+))/g))
        env[key] = quoted ?? bare ?? '';
  return env;
}

export interface WorkerProcess {
  pid: number;
  /** Resident memory now, in MB. */
  rssMb(): number;
  /** SIGTERM (the runtime drains it), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** The worker's settings of the bench's own environment (WORKER_…), so one run can measure others than the defaults. */
export function workerSettings(from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(
    Object.entries(from).filter((e): e is [string, string] => e[0].startsWith('WORKER_') && e[1] !== undefined),
  );
}

/**
 * The worker as the image runs it, a process of its own with `env` (on top of PATH, the image's worker environment
 * and WORKER_…); resolves once it polls.
 */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child: ChildProcess = spawn(process.execPath, [await compiledWorker()], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'info',
      ...imageWorkerEnv(),
      NUMBERFLOW_WORKFLOW_BUNDLE: await prebuiltBundle(),
      ...workerSettings(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn the worker');
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('the worker did not start within 120 s')), 120_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.off('exit', gone);
      child.kill('SIGKILL');
      reject(err);
    };
    const gone = () => fail(new Error(`the worker exited: ${stderr}`));
    child.once('exit', gone);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"worker running"')) {
        clearTimeout(timer);
        child.off('exit', gone);
        resolve();
      }
    });
  });
  return {
    pid,
    rssMb: () => {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      if (kb === undefined) throw new Error(`no VmRSS for the worker (pid ${pid})`);
      return Number(kb) / 1024;
    },
    async stop(graceMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const guard = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(guard);
    },
  };
}
