// A workflow interceptor module (registered through the worker's interceptors.workflowModules and the bundle's
// workflowInterceptorModules) for every workflow: a payload the worker's codec could not decrypt arrives as a
// marker. A marked input fails the workflow at once, naming the key (the number's workflow id is free again);
// a marked update is refused; a marked signal is dropped with a log line. Replaying a history (a worker's restart),
// a marked input, update or activity answer was opened when the run took it: the key was taken away since, and the
// workflow task fails naming it until a worker holds it again. The workflows stay unaware of it.
// A payload that came unencrypted with a secret in clear arrives as a marker too: such an update is refused (it never
// reaches history), such a signal dropped; runs that took one before replay with the value as it came.
import {
  ApplicationFailure,
  log,
  patched,
  workflowInfo,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
} from '@temporalio/workflow';
import {
  asTheyCame,
  describeInClear,
  describeUndecryptable,
  findInClear,
  findUndecryptable,
  KeyMissingInReplay,
  undecryptableRefusal,
} from '../codec/undecryptable.js';
import { SECRETS_IN_CLEAR_PATCH } from './patches.js';

/**
 * How the workflow refuses values it cannot open: a failure naming the key (the run, the update) when they are new;
 * replaying what it took before, the workflow task fails naming the key, retried until the key is back.
 */
export function refusal(values: readonly unknown[]): ApplicationFailure | undefined {
  const undecryptable = findUndecryptable(values);
  // A malformed payload no key opens: refused in replay as it was live.
  if (undecryptable && undecryptable.reason !== 'malformed' && workflowInfo().unsafe.isReplaying)
    throw new KeyMissingInReplay(undecryptable);
  return undecryptableRefusal(values);
}

type SignalDropped = (signalName: string, why: string) => void;
let signalDropped: SignalDropped | undefined;

/**
 * Tells the workflow of each signal this guard drops, so that its own notes say so (the log line reaches the
 * worker's operators, not the journey's). Module state is the run's own: the SDK keeps a module cache per workflow.
 */
export function whenSignalDropped(listener: SignalDropped): void {
  signalDropped = listener;
}

/** The failure type of an update refused for a secret sent in clear. */
export const SECRET_IN_CLEAR_FAILURE_TYPE = 'SecretInClear';

const guard: WorkflowInboundCallsInterceptor = {
  async execute(input, next) {
    const failure = refusal(input.args);
    if (failure) throw failure;
    return next({ ...input, args: asTheyCame(input.args) });
  },
  // Refused before acceptance, so nothing reaches history; handleUpdate covers updates without a validator.
  validateUpdate(input, next) {
    const failure = refusal(input.args);
    if (failure) throw failure;
    const inClear = findInClear(input.args);
    if (inClear) {
      throw ApplicationFailure.create({
        type: SECRET_IN_CLEAR_FAILURE_TYPE,
        nonRetryable: true,
        message: `${input.name}: ${describeInClear(inClear)}`,
      });
    }
    next(input);
  },
  // An update with a secret in clear reaches its handler only in a run that took it before validateUpdate refused
  // it (which runs for updates registered with a validator: every update of numberflow's workflows has one).
  // Replaying an update it cannot open (its arguments, or an activity's answer it opened), the handler never ends:
  // the replay then diverges from history and Core fails the workflow task, retried until a worker holds the key
  // (the worker's log names it). Failing the task from the handler instead, while a query replayed the run, made
  // the SDK send Core a completion it refuses, and the whole worker shut down.
  async handleUpdate(input, next) {
    try {
      const failure = refusal(input.args);
      if (failure) throw failure;
      return await next({ ...input, args: asTheyCame(input.args) });
    } catch (err) {
      if (!(err instanceof KeyMissingInReplay)) throw err;
      return new Promise<never>(() => undefined);
    }
  },
  async handleSignal(input, next) {
    // Dropped live and replayed alike: history holds the signals a run dropped as well as those it took, and the
    // one cannot be told from the other here (a key taken away after a signal was taken makes the replay diverge).
    const undecryptable = findUndecryptable(input.args);
    const dropped = (why: string) => {
      log.warn(`signal '${input.signalName}' dropped: ${why}`);
      signalDropped?.(input.signalName, why);
    };
    if (undecryptable) return dropped(describeUndecryptable(undecryptable));
    const inClear = findInClear(input.args);
    if (inClear && patched(SECRETS_IN_CLEAR_PATCH)) return dropped(describeInClear(inClear));
    return next({ ...input, args: asTheyCame(input.args) });
  },
  async handleQuery(input, next) {
    const failure = undecryptableRefusal(input.args); // a query's arguments never come from history
    if (failure) throw failure;
    return next({ ...input, args: asTheyCame(input.args) });
  },
};

export const interceptors: WorkflowInterceptorsFactory = () => ({ inbound: [guard] });
