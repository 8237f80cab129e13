// Loaded first into each of the SDK's workflow threads of a worker that runs without workflow stack traces: the
// SDK's own promise hook is refused there, so the SDK starts that thread as it does on a runtime without promise
// hooks and records no stack per promise (./workflow-threads.ts says why). Node's own hooks (AsyncLocalStorage, which
// the SDK's cancellation scopes use) are made as before. CommonJS, plain JavaScript: the thread requires it as Node
// does, with or without a TypeScript loader.
'use strict';
const { promiseHooks } = require('node:v8');

const TEMPORAL_WORKER = /[\\/]@temporalio[\\/]worker[\\/]/;

/** The file of the function that called `fn`, from V8's call sites (whatever formats stack traces here). */
function callerFile(fn) {
  const { prepareStackTrace, stackTraceLimit } = Error;
  const holder = {};
  try {
    Error.prepareStackTrace = (_, callSites) => callSites;
    Error.stackTraceLimit = 1;
    Error.captureStackTrace(holder, fn);
    const [caller] = holder.stack;
    return (caller && caller.getFileName()) || '';
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
}

const createHook = promiseHooks.createHook;
promiseHooks.createHook = function createHookUnlessTemporals(hooks) {
  if (TEMPORAL_WORKER.test(callerFile(createHookUnlessTemporals))) {
    throw new Error('workflow stack traces are off in this thread (NUMBERFLOW_WORKFLOW_STACK_TRACES)');
  }
  return createHook(hooks);
};
