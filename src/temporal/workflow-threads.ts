// Workflow threads without the SDK's promise stack traces. Temporal's TypeScript SDK installs a V8 promise hook in
// each workflow thread that captures and source-maps a stack for every promise workflow code creates, for the
// `__stack_trace` query (`temporal workflow stack`, the Web UI's stack trace tab). A journey makes about 200 promises
// on its happy path; replaying one costs half the CPU with the hook as without it (docs/performance.md). Where the
// hook cannot be made, the SDK runs without stack traces and that query answers that they are not enabled: workflow
// threads started with ./workflow-thread-preload.mjs are in that state. NUMBERFLOW_WORKFLOW_STACK_TRACES=1 keeps them.
import workerThreads from 'node:worker_threads';

const preload = new URL('./workflow-thread-preload.mjs', import.meta.url).href;
/** The SDK's workflow thread (its entry module); no other thread is touched. */
const SDK_WORKFLOW_THREAD = /[\\/]workflow-worker-thread(\.js)?$/;

/** A thread's options without stack traces: the preload after whatever it loads already (a TypeScript loader). */
export function withoutStackTraces(execArgv: readonly string[] = process.execArgv): string[] {
  return [...execArgv, '--import', preload];
}

let creating = 0;
let sdkWorker: typeof workerThreads.Worker | undefined;

/**
 * Runs `create` (Temporal workers being created, which start their workflow threads) so that the SDK's workflow
 * threads load the preload first; with `stackTraces`, as the SDK would alone. Other threads are started as asked.
 */
export async function creatingWorkflowThreads<T>(stackTraces: boolean, create: () => Promise<T>): Promise<T> {
  if (stackTraces) return create();
  if (creating++ === 0) {
    const Base = workerThreads.Worker;
    sdkWorker = Base;
    workerThreads.Worker = class extends Base {
      constructor(filename: string | URL, options: workerThreads.WorkerOptions = {}) {
        const sdkThread = SDK_WORKFLOW_THREAD.test(String(filename));
        super(filename, sdkThread ? { ...options, execArgv: withoutStackTraces(options.execArgv) } : options);
      }
    };
  }
  try {
    return await create();
  } finally {
    if (--creating === 0 && sdkWorker) workerThreads.Worker = sdkWorker;
  }
}
