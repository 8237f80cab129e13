// A workflow interceptor module (registered through the worker's interceptors.workflowModules and the bundle's
// workflowInterceptorModules) for every workflow: a payload the worker's codec could not decrypt arrives as a
// marker. A marked input fails the workflow at once, naming the key (the number's workflow id is free again);
// a marked update is refused; a marked signal is dropped with a log line. The workflows stay unaware of it.
import { log, type WorkflowInboundCallsInterceptor, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { describeUndecryptable, findUndecryptable, undecryptableRefusal as refusal } from '../codec/undecryptable.js';

const guard: WorkflowInboundCallsInterceptor = {
  async execute(input, next) {
    const failure = refusal(input.args);
    if (failure) throw failure;
    return next(input);
  },
  // Refused before acceptance, so nothing reaches history; handleUpdate covers updates without a validator.
  validateUpdate(input, next) {
    const failure = refusal(input.args);
    if (failure) throw failure;
    next(input);
  },
  async handleUpdate(input, next) {
    const failure = refusal(input.args);
    if (failure) throw failure;
    return next(input);
  },
  async handleSignal(input, next) {
    const undecryptable = findUndecryptable(input.args);
    if (!undecryptable) return next(input);
    log.warn(`signal '${input.signalName}' dropped: ${describeUndecryptable(undecryptable)}`);
  },
  async handleQuery(input, next) {
    const failure = refusal(input.args);
    if (failure) throw failure;
    return next(input);
  },
};

export const interceptors: WorkflowInterceptorsFactory = () => ({ inbound: [guard] });
