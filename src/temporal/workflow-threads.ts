// Workflow threads without the SDK's promise stack traces. Temporal's TypeScript SDK installs a V8 promise hook in
// each workflow thread that captures and source-maps a stack for every promise workflow code makes, for the
// `__stack_trace` query (`temporal workflow stack`, the Web UI's stack trace tab). A journey makes about 200 promises
// on its happy path, and without the hook its workflow code costs about half the CPU (`npm run bench`, history).
// Where the hook cannot be made, the SDK runs without stack traces and that query answers that they are not enabled:
// the SDK's workflow threads started through ./workflow-thread-preload.cjs are in that state.
// NUMBERFLOW_WORKFLOW_STACK_TRACES=1 keeps them.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import workerThreads from 'node:worker_threads';

const require = createRequire(import.meta.url);
/** The SDK's workflow thread, the file its thread pool starts (threaded-vm.js). */
const SDK_WORKFLOW_THREAD = require.resolve('@temporalio/worker/lib/workflow/workflow-worker-thread.js');
const PRELOAD = fileURLToPath(new URL('./workflow-thread-preload.cjs', import.meta.url));

/**
 * A thread's code (`eval: true`) that loads the preload, then `entry`: a CommonJS file's path, or an ES module's
 * file: URL. Its options are otherwise the thread's own: no execArgv is given, so it inherits the process's flags
 * (an explicit execArgv refuses V8's, such as --max-old-space-size).
 */
export function withoutStackTraces(entry: string): string {
  const load = entry.startsWith('file:') ? `import(${JSON.stringify(entry)})` : `require(${JSON.stringify(entry)})`;
  return `require(${JSON.stringify(PRELOAD)}); ${load};`;
}

/** Set inside the `create` of a call without stack traces: the SDK threads started there get the preload. */
const withoutThem = new AsyncLocalStorage<true>();
let creating = 0;
let originalWorker: typeof workerThreads.Worker | undefined;

/**
 * Runs `create` (Temporal workers being created, which start their workflow threads) so that the SDK's workflow
 * threads it starts load the preload first; with `stackTraces`, as the SDK alone would. Any other thread, and any
 * thread started outside `create`, is started as asked.
 */
export async function creatingWorkflowThreads<T>(stackTraces: boolean, create: () => Promise<T>): Promise<T> {
  if (stackTraces) return create();
  if (creating++ === 0) {
    const Original = workerThreads.Worker;
    originalWorker = Original;
    workerThreads.Worker = class WorkflowThreadWithoutStackTraces extends Original {
      constructor(filename: string | URL, options: workerThreads.WorkerOptions = {}) {
        const sdkThread = withoutThem.getStore() === true && !options.eval && String(filename) === SDK_WORKFLOW_THREAD;
        const [code, start] = sdkThread
          ? [withoutStackTraces(SDK_WORKFLOW_THREAD), { ...options, eval: true }]
          : [filename, options];
        super(code, start);
      }
    };
  }
  try {
    return await withoutThem.run(true, create);
  } finally {
    if (--creating === 0 && originalWorker) workerThreads.Worker = originalWorker;
  }
}
