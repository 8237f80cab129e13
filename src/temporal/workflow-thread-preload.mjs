// Loaded with --import into each workflow thread of a worker that runs without workflow stack traces, before the
// SDK's thread code: the SDK's own promise hook is refused there, so the SDK starts that thread as it does on a
// runtime without promise hooks and records no stack per promise (./workflow-threads.ts says why). Node's own hooks
// (AsyncLocalStorage, which the SDK's cancellation scopes use) are made as before. Plain JavaScript: the thread loads
// it as Node does, with or without a TypeScript loader.
import v8 from 'node:v8';
import { isMainThread } from 'node:worker_threads';

const FROM_TEMPORAL_WORKER = /[\\/]@temporalio[\\/]worker[\\/]/;

if (!isMainThread) {
  const { promiseHooks } = v8;
  const createHook = promiseHooks.createHook;
  promiseHooks.createHook = (hooks) => {
    const caller = (new Error().stack ?? '').split('\n')[2] ?? ''; // the frame that called createHook
    if (FROM_TEMPORAL_WORKER.test(caller)) {
      throw new Error('workflow stack traces are off in this thread (NUMBERFLOW_WORKFLOW_STACK_TRACES)');
    }
    return createHook(hooks);
  };
}
