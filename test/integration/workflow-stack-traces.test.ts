// The worker's workflow threads run without the SDK's per-promise stack traces unless
// NUMBERFLOW_WORKFLOW_STACK_TRACES=1 (src/temporal/workflow-threads.ts): a journey works the same either way, and
// the stack-trace query says which way its worker runs.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import workerThreads from 'node:worker_threads';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import {
  creatingWorkflowThreads,
  sdkThreadsStartedWithout,
  withoutStackTraces,
  workflowStackTraces,
} from '../../src/temporal/workflow-threads.js';
import { numberflowWorker } from '../support/numberflow-worker.js';
import { useBench } from '../support/bench.js';

interface HooksMade {
  /** The hook the file makes itself (as the SDK's thread does). */
  own: boolean;
  /** Node's, under AsyncLocalStorage (which the SDK's cancellation scopes use): its store survives an await. */
  node: boolean;
}

/** A CommonJS file at `file` that reports the promise hooks its thread can make. */
function hookProbe(file: string): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `const { parentPort } = require('node:worker_threads');
    const { AsyncLocalStorage } = require('node:async_hooks');
    let own = true;
    try { require('node:v8').promiseHooks.createHook({})(); } catch { own = false; }
    const storage = new AsyncLocalStorage();
    storage.run(1, async () => { await null; return storage.getStore(); })
      .then((store) => parentPort.postMessage({ own, node: store === 1 }));`,
  );
  return file;
}

/** What `thread` (running a hook probe) reports; it is stopped then. */
function hooksMadeIn(thread: workerThreads.Worker): Promise<HooksMade> {
  return new Promise((resolve, reject) => {
    thread.once('message', (made: HooksMade) => void thread.terminate().then(() => resolve(made)));
    thread.once('error', reject);
  });
}

describe('workflow stack traces (dev server + Graph sandbox)', () => {
  const t = useBench('dev');

  /** A journey on a numberflow worker made with `env`, at AWAITING_OTP: what its stack-trace query answers. */
  async function stackTraceQuery(env: Record<string, string>): Promise<PromiseSettledResult<string>> {
    const { bench } = t;
    const worker = await numberflowWorker(bench, loadConfig(env));
    return worker.runUntil(async () => {
      const journey = await bench.start(bench.input());
      await journey.until((view) => view.stage === 'AWAITING_OTP', 'AWAITING_OTP');
      const handle = bench.env.client.workflow.getHandle(journey.workflowId);
      const [answer] = await Promise.allSettled([handle.query<string>('__stack_trace')]);
      await handle.cancel();
      await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      return answer;
    });
  }

  it('are off by default: the journey runs, and the query says stack traces are not enabled', async () => {
    const before = sdkThreadsStartedWithout();
    const answer = await stackTraceQuery({});
    expect(answer.status).toBe('rejected');
    expect(String((answer as PromiseRejectedResult).reason)).toMatch(/stack traces are not enabled/);
    expect(sdkThreadsStartedWithout()).toBe(before + 1); // the worker's one workflow thread
    expect(workflowStackTraces(false)).toMatchObject({ on: false, asAsked: true }); // what the worker then logs
  }, 90_000);

  it('are kept with NUMBERFLOW_WORKFLOW_STACK_TRACES=1: the query shows where the journey waits', async () => {
    const answer = await stackTraceQuery({ NUMBERFLOW_WORKFLOW_STACK_TRACES: '1' });
    expect(answer.status).toBe('fulfilled');
    expect((answer as PromiseFulfilledResult<string>).value).toContain('src/workflows/number-journey.ts');
  }, 90_000);

  describe('the preload and the threads it goes into', () => {
    let dir: string;
    beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'numberflow-threads-'))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("refuses the hook the SDK's code makes, and only that one", async () => {
      const sdkCode = hookProbe(join(dir, 'node_modules/@temporalio/worker/lib/workflow/probe.js'));
      const otherCode = hookProbe(join(dir, 'probe.cjs'));
      const preloaded = (file: string) => new workerThreads.Worker(withoutStackTraces(file), { eval: true });
      expect(await hooksMadeIn(preloaded(sdkCode))).toEqual({ own: false, node: true });
      expect(await hooksMadeIn(preloaded(otherCode))).toEqual({ own: true, node: true });
      expect(await hooksMadeIn(new workerThreads.Worker(sdkCode))).toEqual({ own: true, node: true });
    });

    it("goes into the SDK's thread file's threads started while workers are created, and no others", async () => {
      const original = workerThreads.Worker;
      const sdkThread = hookProbe(join(dir, 'node_modules/@temporalio/worker/lib/workflow/sdk-probe.js'));
      const other = hookProbe(join(dir, 'node_modules/@temporalio/worker/lib/workflow/other-probe.js'));
      const started = (file: string) => hooksMadeIn(new workerThreads.Worker(file));
      const during = await creatingWorkflowThreads(
        false,
        async () => ({
          sdkThread: await started(sdkThread),
          other: await started(other),
          askedWith: await creatingWorkflowThreads(true, () => started(sdkThread)),
        }),
        sdkThread,
      );
      expect(during).toEqual({
        sdkThread: { own: false, node: true },
        other: { own: true, node: true },
        askedWith: { own: true, node: true },
      });
      expect(workerThreads.Worker).toBe(original);
      expect(await started(sdkThread)).toEqual({ own: true, node: true }); // after: as the SDK alone starts it
      const failing = creatingWorkflowThreads(false, () => Promise.reject(new Error('no server')), sdkThread);
      await expect(failing).rejects.toThrow('no server');
      expect(workerThreads.Worker).toBe(original);
    });

    it("runs the SDK's thread in a process started with V8 flags (the thread takes no execArgv of its own)", async () => {
      // The SDK's own thread, started as the worker starts it, answers the SDK's request to destroy its workflows.
      const code = `
        import workerThreads from 'node:worker_threads';
        import { createRequire } from 'node:module';
        import { creatingWorkflowThreads } from './src/temporal/workflow-threads.ts';
        const sdkThread = createRequire(process.cwd() + '/').resolve('@temporalio/worker/lib/workflow/workflow-worker-thread.js');
        const answer = await creatingWorkflowThreads(false, async () => {
          const thread = new workerThreads.Worker(sdkThread);
          const reply = new Promise((resolve, reject) => { thread.once('message', resolve); thread.once('error', reject); });
          thread.postMessage({ requestId: 1n, input: { type: 'destroy' } });
          const answered = await reply;
          await thread.terminate();
          return answered;
        });
        console.log(JSON.stringify(answer.result));`;
      const child = spawn(
        process.execPath,
        ['--max-old-space-size=256', '--import', 'tsx', '--input-type=module', '--eval', code],
        {
          cwd: join(import.meta.dirname, '../..'),
          timeout: 45_000,
        },
      );
      let [stdout, stderr] = ['', ''];
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [status] = (await once(child, 'close')) as [number | null];
      expect({ status, stdout: stdout.trim() }, stderr).toEqual({ status: 0, stdout: '{"type":"ok"}' });
    }, 60_000);
  });

  it('refuses an unknown value', () => {
    expect(() => loadConfig({ NUMBERFLOW_WORKFLOW_STACK_TRACES: 'yes' })).toThrow(/NUMBERFLOW_WORKFLOW_STACK_TRACES/);
  });
});
