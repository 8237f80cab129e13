// What the command line says when a command fails, and its exit code: the reason, never a stack or a secret.
import { JourneyInputError } from '../domain/journey-input.js';
import {
  notAnsweringMessages,
  temporalNotAnswering,
  WORKFLOW_TASK_FAILING,
  workflowTaskFailing,
} from '../temporal/unanswered.js';
import { UPDATE_ABORTED, updateAbortedWithItsTask } from '../temporal/aborted-update.js';

/** Ends a command with an exit code, saying `message` when there is something to say (Ctrl-C ends quietly). */
export class CliExit extends Error {
  override readonly name = 'CliExit';
  constructor(
    readonly exitCode: number,
    message = '',
  ) {
    super(message);
  }
}

export function failureOf(err: unknown): { lines: string[]; exitCode: number } {
  if (err instanceof CliExit)
    return { lines: err.message ? [`numberflow: ${err.message}`] : [], exitCode: err.exitCode };
  if (err instanceof JourneyInputError) {
    return { lines: ['numberflow: invalid journey request', ...err.problems.map((p) => `  ${p}`)], exitCode: 1 };
  }
  if (isUpdateRefusal(err)) {
    // The journey's validator refused the input: its reason is the useful part.
    return { lines: [`numberflow: refused: ${err.cause?.message ?? err.message}`], exitCode: 1 };
  }
  // A configuration's refusal names what to fix (an address that cannot be reached, say): before its causes.
  if (err instanceof Error && err.name === 'ConfigError') return { lines: [`numberflow: ${err.message}`], exitCode: 1 };
  const notAnswering = temporalNotAnswering(err);
  if (notAnswering) return { lines: [`numberflow: ${notAnsweringMessages[notAnswering]}`], exitCode: 1 };
  if (workflowTaskFailing(err)) return { lines: [`numberflow: ${WORKFLOW_TASK_FAILING}`], exitCode: 1 };
  if (updateAbortedWithItsTask(err)) return { lines: [`numberflow: ${UPDATE_ABORTED}`], exitCode: 1 };
  return { lines: [`numberflow: ${err instanceof Error ? err.message : String(err)}`], exitCode: 1 };
}

/** Temporal's WorkflowUpdateFailedError, known by its name: the command line loads the Temporal SDK only in direct mode. */
function isUpdateRefusal(err: unknown): err is Error & { cause?: Error } {
  return err instanceof Error && err.name === 'WorkflowUpdateFailedError';
}
