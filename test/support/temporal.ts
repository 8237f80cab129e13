// Connections from a test file to the servers of test/support/global-setup.ts, and a worker running the
// real workflow bundle. Time skipping needs the test service and the TimeSkippingClient.
import { randomUUID } from 'node:crypto';
import { Client as ClientClass, type Client, type WorkflowClientInterceptor } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';
import type { DataConverter } from '@temporalio/common';
import type { Activities } from '../../src/activities/index.js';
import { createDataConverter, workerDataConverter } from '../../src/codec/data-converter.js';
import { parseCodecKeys } from '../../src/codec/keys.js';
import { parseSecretsKeys } from '../../src/codec/secrets-keys.js';
import { updateAbortedWithItsTask, updatesSentAgainIfAborted } from '../../src/temporal/aborted-update.js';
import { resolveBinary, toSdkExecutable } from '../../src/temporal/binaries.js';

/** The tests' payload key: every client and worker of the test run encrypts with it, as production does. */
export const TEST_CODEC_KEYS = `test-1:${Buffer.alloc(32, 7).toString('base64')}`;
/** The tests' secrets key pair (X25519 private key 0x09 × 32, PKCS#8 DER): workers unseal with it. */
export const TEST_SECRETS_KEY = 'MC4CAQAwBQYDK2VuBCIEIAkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJ';
export const TEST_SECRETS_PUBLIC_KEY = 'MCowBQYDK2VuAyEAV9tLNZ8jrl4Ubk4lEgVnBHIlBjSMFQwUdT0Mkz0E1CE=';
export const testSecretsKeys = parseSecretsKeys({ NUMBERFLOW_SECRETS_KEY: TEST_SECRETS_KEY });
export const testDataConverter = createDataConverter(parseCodecKeys(TEST_CODEC_KEYS), testSecretsKeys);

/** A client on `client`'s connection holding only the public secrets key, as a service alone does: it seals, never opens. */
export function sealingOnlyClient(client: Client): Client {
  const secrets = parseSecretsKeys({ NUMBERFLOW_SECRETS_PUBLIC_KEY: TEST_SECRETS_PUBLIC_KEY });
  return new ClientClass({
    connection: client.connection,
    dataConverter: createDataConverter(parseCodecKeys(TEST_CODEC_KEYS), secrets),
  });
}

/**
 * The tests' client, as numberflow's own (connection.ts) sends an update again when Temporal aborted it with its
 * task: a test stands in for the service or the command line. A test of the abort itself makes a plain client.
 */
const testClientOptions = {
  dataConverter: testDataConverter,
  interceptors: { workflow: [updatesSentAgainIfAborted, abortsSaid()] },
};

/**
 * Inside the sending again, each try: an abort is said in the test's output (rare; the run's history says which task
 * Temporal refused and why), so that one never passes unseen.
 */
function abortsSaid(): WorkflowClientInterceptor {
  return {
    async startUpdate(input, next) {
      try {
        return await next(input);
      } catch (err) {
        if (updateAbortedWithItsTask(err)) {
          const { workflowId } = input.workflowExecution;
          console.warn(`[test client] update ${input.updateName} of ${workflowId} aborted with its task; sent again`);
        }
        throw err;
      }
    },
  };
}

export interface TestEnv {
  client: Client;
  nativeConnection: NativeConnection;
  /** Server time: skipped time on the time-skipping server, the clock on the dev server. */
  currentTimeMs(): Promise<number>;
  /** Whether journeys can be started with search attributes (the time-skipping server has none). */
  searchAttributes: boolean;
  /**
   * Whether workers may keep workflows cached on sticky queues. The time-skipping server moves a task off the
   * sticky queue of a stopped worker only after a timeout in its own, locked, time: workflows then stall.
   */
  stickyQueues: boolean;
  /** Moves server time forward (time-skipping) or really waits (dev server). */
  sleep(ms: number): Promise<void>;
  teardown(): Promise<void>;
}

export async function connectDevServer(): Promise<TestEnv> {
  return connectToServer(inject('devServerAddress'));
}

/** A dev server of the test's own (one it restarts, say) rather than the run's shared one. */
export async function connectToServer(address: string): Promise<TestEnv> {
  const env = await TestWorkflowEnvironment.createFromExistingServer({
    address,
    client: testClientOptions,
  });
  return {
    client: env.client,
    nativeConnection: env.nativeConnection,
    searchAttributes: true,
    stickyQueues: true,
    currentTimeMs: () => env.currentTimeMs(),
    sleep: env.sleep,
    teardown: () => env.teardown(),
  };
}

/**
 * A time-skipping test server of the file's own (the SDK starts it from the installed binary in about a second):
 * time skipping is global to a server, and its client's workflow results unlock skipping while awaited.
 */
export async function connectTimeSkippingServer(): Promise<TestEnv> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: toSdkExecutable(resolveBinary('test-server')) },
    client: testClientOptions,
  });
  return {
    client: env.client,
    nativeConnection: env.nativeConnection,
    searchAttributes: false,
    stickyQueues: false,
    currentTimeMs: () => env.currentTimeMs(),
    sleep: env.sleep,
    teardown: () => env.teardown(),
  };
}

/** The file's connection to a server, made before its tests and torn down after them: read `env()` inside a test. */
export function useTestEnv(connect: () => Promise<TestEnv>): () => TestEnv {
  let env: TestEnv | undefined;
  beforeAll(async () => {
    env = await connect();
  });
  afterAll(async () => env?.teardown());
  return () => {
    if (!env) throw new Error('the test environment is not connected yet');
    return env;
  };
}

/** A fresh task queue per test keeps tests from picking up each other's workflows. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

export interface WorkerOptionsForTest {
  taskQueue: string;
  activities?: Partial<Activities> | Activities;
  /** A client-side converter of other keys (made the worker's as src/worker.ts does); the tests' by default. */
  dataConverter?: DataConverter;
  /**
   * Keep workflows cached even on the time-skipping server: for a worker that runs as long as the workflows it
   * serves (a harness's), as a local activity needs its workflow cached while it runs.
   */
  cached?: boolean;
}

/** A worker with the real workflow bundle polling `taskQueue`. */
export function createTestWorker(env: TestEnv, options: WorkerOptionsForTest): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue: options.taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    dataConverter: workerDataConverter(options.dataConverter ?? testDataConverter), // undecryptable ones fail fast
    ...(env.stickyQueues || options.cached ? {} : { maxCachedWorkflows: 0 }),
    activities: options.activities ?? {},
  });
}

/** Runs `fn` while a worker with the real workflow bundle polls `taskQueue`. */
export async function withWorker<T>(env: TestEnv, options: WorkerOptionsForTest, fn: () => Promise<T>): Promise<T> {
  return (await createTestWorker(env, options)).runUntil(fn);
}

/**
 * One worker for a whole test file on the time-skipping server, started at the first `run` and stopped by `close`.
 * A workflow that outlives a test (the harness's portfolio) would otherwise wait on the sticky queue of the stopped
 * worker until a timeout in the server's locked time; and a worker without a cache leaves a local activity's
 * workflow task to time out.
 */
export class LongLivedWorker {
  private running: { worker: Worker; done: Promise<void> } | null = null;

  constructor(
    private readonly env: TestEnv,
    private readonly options: WorkerOptionsForTest,
  ) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.running) {
      const worker = await createTestWorker(this.env, { ...this.options, cached: true });
      this.running = { worker, done: worker.run() };
    }
    const failed = this.running.done.then(() => {
      throw new Error('the worker stopped while the test ran');
    });
    return Promise.race([fn(), failed]);
  }

  async close(): Promise<void> {
    if (!this.running) return;
    this.running.worker.shutdown();
    await this.running.done;
    this.running = null;
  }
}

/** A bundle of a test's own workflows (not numberflow's), built without the bundler's lines. */
export function bundleTestWorkflows(workflowsPath: string): Promise<WorkflowBundle> {
  const quiet = () => undefined;
  const logger = { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet };
  return bundleWorkflowCode({ workflowsPath, logger });
}
