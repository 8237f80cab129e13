// The worker's workflow threads run without the SDK's per-promise stack traces unless
// NUMBERFLOW_WORKFLOW_STACK_TRACES=1 (src/temporal/workflow-threads.ts): a journey works the same either way, and
// the stack-trace query says which way its worker runs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import workerThreads from 'node:worker_threads';
import { WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { creatingWorkflowThreads } from '../../src/temporal/workflow-threads.js';
import { numberflowWorker } from '../support/numberflow-worker.js';
import { useBench } from '../support/bench.js';

interface HooksMade {
  /** The hook the file makes itself (as the SDK's thread does). */
  own: boolean;
  /** Node's, under AsyncLocalStorage (which the SDK's cancellation scopes use). */
  node: boolean;
}

/** The promise hooks a thread running `file` (started the way `Worker` is now) can make. */
function hooksMadeBy(file: string): Promise<HooksMade> {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `const { parentPort } = require('node:worker_threads');
    const { AsyncLocalStorage, executionAsyncResource } = require('node:async_hooks');
    let own = true;
    try { require('node:v8').promiseHooks.createHook({})(); } catch { own = false; }
    const node = new AsyncLocalStorage().run(1, () => executionAsyncResource() !== undefined);
    parentPort.postMessage({ own, node });`,
  );
  return new Promise((resolve, reject) => {
    const thread = new workerThreads.Worker(file);
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
    const answer = await stackTraceQuery({});
    expect(answer.status).toBe('rejected');
    expect(String((answer as PromiseRejectedResult).reason)).toMatch(/stack traces are not enabled/);
  }, 90_000);

  it('are kept with NUMBERFLOW_WORKFLOW_STACK_TRACES=1: the query shows where the journey waits', async () => {
    const answer = await stackTraceQuery({ NUMBERFLOW_WORKFLOW_STACK_TRACES: '1' });
    expect(answer.status).toBe('fulfilled');
    expect((answer as PromiseFulfilledResult<string>).value).toContain('src/workflows/number-journey.ts');
  }, 90_000);

  it("refuses only the SDK's own hook, in its workflow threads, while workers are being created", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'numberflow-threads-'));
    const sdkThread = join(dir, 'node_modules/@temporalio/worker/lib/workflow/workflow-worker-thread.js');
    const otherThread = join(dir, 'node_modules/@temporalio/worker/lib/other-thread.js');
    try {
      const original = workerThreads.Worker;
      const during = await creatingWorkflowThreads(false, async () => ({
        sdkThread: await hooksMadeBy(sdkThread),
        otherThread: await hooksMadeBy(otherThread),
      }));
      expect(during).toEqual({ sdkThread: { own: false, node: true }, otherThread: { own: true, node: true } });
      expect(workerThreads.Worker).toBe(original);
      expect(await hooksMadeBy(sdkThread)).toEqual({ own: true, node: true }); // after: as the SDK starts it
      expect(await creatingWorkflowThreads(true, () => hooksMadeBy(sdkThread))).toEqual({ own: true, node: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown value', () => {
    expect(() => loadConfig({ NUMBERFLOW_WORKFLOW_STACK_TRACES: 'yes' })).toThrow(/NUMBERFLOW_WORKFLOW_STACK_TRACES/);
  });
});
