// Workflow threads without the SDK's promise stack traces. Temporal's TypeScript SDK installs a V8 promise hook in
// each workflow thread that captures and source-maps a stack for every promise workflow code makes, for the
// `__stack_trace` query (`temporal workflow stack`, the Web UI's stack trace tab). A journey makes about 200 promises
// on its happy path, and without the hook its workflow code costs about half the CPU (`npm run bench`, history).
// Where the hook cannot be made, the SDK runs without stack traces and that query answers that they are not enabled:
// the SDK's workflow threads started through ./workflow-thread-preload.cjs are in that state.
// NUMBERFLOW_WORKFLOW_STACK_TRACES=1 keeps them.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import workerThreads from 'node:worker_threads';

const require = createRequire(import.meta.url);
/** The SDK's workflow thread, the file its thread pool starts (threaded-vm.js). */
const SDK_WORKFLOW_THREAD = require.resolve('@temporalio/worker/lib/workflow/workflow-worker-thread.js');
const PRELOAD = fileURLToPath(new URL('./workflow-thread-preload.cjs', import.meta.url));

/**
 * A thread's code (`eval: true`) that loads the preload, then `entry`: a CommonJS file's path, or an ES module's
 * file: URL. Its options are otherwise the thread's own: no execArgv is given, so it inherits the process's flags
 * (an explicit execArgv refuses V8's, such as --max-old-space-size). Eval code is CommonJS unless the process runs
 * with --input-type=module; there it imports both.
 */
export function withoutStackTraces(entry: string): string {
  const url = entry.startsWith('file:') ? entry : pathToFileURL(entry).href;
  const load = entry.startsWith('file:') ? `import(${JSON.stringify(url)})` : `require(${JSON.stringify(entry)})`;
  return (
    `if (typeof require === 'function') { require(${JSON.stringify(PRELOAD)}); ${load}; }\n` +
    `else import(${JSON.stringify(pathToFileURL(PRELOAD).href)}).then(() => import(${JSON.stringify(url)}));`
  );
}

/** Inside the `create` of a call without stack traces: the thread file to start through the preload. */
const withoutThem = new AsyncLocalStorage<string | undefined>();
let creating = 0;
let originalWorker: typeof workerThreads.Worker | undefined;
let WorkflowThreadWithoutStackTraces: typeof workerThreads.Worker | undefined;
let startedWithout = 0;

/** How many of the SDK's workflow threads this process has started through the preload. */
export function sdkThreadsStartedWithout(): number {
  return startedWithout;
}

/**
 * Runs `create` (Temporal workers being created, which start their workflow threads) so that the SDK's workflow
 * threads it starts load the preload first; with `stackTraces`, as the SDK alone would. Any other thread, and any
 * thread started outside `create`, is started as asked. `sdkThread`: the thread file taken for the SDK's (tests).
 */
export async function creatingWorkflowThreads<T>(
  stackTraces: boolean,
  create: () => Promise<T>,
  sdkThread = SDK_WORKFLOW_THREAD,
): Promise<T> {
  if (stackTraces) return withoutThem.run(undefined, create); // also inside a call without them
  if (creating++ === 0) {
    const Original = workerThreads.Worker;
    originalWorker = Original;
    workerThreads.Worker = WorkflowThreadWithoutStackTraces = class extends Original {
      constructor(filename: string | URL, options: workerThreads.WorkerOptions = {}) {
        const switched = !options.eval && String(filename) === withoutThem.getStore();
        if (switched) startedWithout += 1;
        const [code, start] = switched
          ? [withoutStackTraces(String(filename)), { ...options, eval: true }]
          : [filename, options];
        super(code, start);
      }
    };
  }
  try {
    return await withoutThem.run(sdkThread, create);
  } finally {
    // Put back unless something else replaced the class meanwhile (its own restore is then its business).
    if (--creating === 0 && originalWorker && workerThreads.Worker === WorkflowThreadWithoutStackTraces) {
      workerThreads.Worker = originalWorker;
    }
  }
}

/**
 * What the worker says of its workflow threads' stack traces once its Temporal workers are created: off only when
 * threads were started without them (an SDK that starts its threads otherwise keeps them on, whatever is asked).
 */
export function workflowStackTraces(asked: boolean): { on: boolean; asAsked: boolean; message: string } {
  if (asked)
    return { on: true, asAsked: true, message: 'workflow stack traces on (NUMBERFLOW_WORKFLOW_STACK_TRACES=1)' };
  if (startedWithout > 0) {
    return {
      on: false,
      asAsked: true,
      message:
        'workflow stack traces off, for half the workflow CPU (so each workflow thread says "stack trace collection ' +
        'will be disabled" on standard error): NUMBERFLOW_WORKFLOW_STACK_TRACES=1 keeps them',
    };
  }
  return {
    on: true,
    asAsked: false,
    message:
      "workflow stack traces stay on: the SDK's workflow threads were not started the way this version expects " +
      '(another @temporalio/worker than the one numberflow was built with?)',
  };
}
