// What the command line says when a command fails, and its exit code: the reason, never a stack or a secret.
import { JourneyInputError } from '../domain/journey-input.js';
import {
  notAnsweringMessage,
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

/**
 * The exit code of a command that may well go through if run again later (sysexits' EX_TEMPFAIL): nothing answered
 * (the service, Temporal or the journey's worker), the service was unavailable or busy, or Temporal aborted the
 * input. Every other failure is 1: the input or the journey's state must change first. A script retries on 75 alone.
 */
export const EXIT_TRY_AGAIN = 75;

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
  if (err instanceof Error && err.name === 'ConfigError')
    return { lines: [`numberflow: ${err.message}`], exitCode: mayGoThroughLater(err) ? EXIT_TRY_AGAIN : 1 };
  const notAnswering = temporalNotAnswering(err);
  if (notAnswering) {
    return { lines: [`numberflow: ${notAnsweringMessage(err, notAnswering)}`], exitCode: EXIT_TRY_AGAIN };
  }
  if (workflowTaskFailing(err)) return { lines: [`numberflow: ${WORKFLOW_TASK_FAILING}`], exitCode: 1 };
  if (updateAbortedWithItsTask(err)) return { lines: [`numberflow: ${UPDATE_ABORTED}`], exitCode: EXIT_TRY_AGAIN };
  return {
    lines: [`numberflow: ${err instanceof Error ? err.message : String(err)}`],
    exitCode: mayGoThroughLater(err) ? EXIT_TRY_AGAIN : 1,
  };
}

/**
 * An error that says so (`tryAgain`: the service or Temporal not reached, no worker answering, a read not answered in
 * time), or the API's answer that it is busy (429) or unavailable now (503) — but not a 503 that names what must be
 * mended first (a key taken away, a workflow task failing), as direct mode says them with 1. Read by shape: the API
 * client's errors are loaded in API mode only.
 */
function mayGoThroughLater(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const { tryAgain, status, code } = err as { tryAgain?: unknown; status?: unknown; code?: unknown };
  if (tryAgain === true) return true;
  if (err.name !== 'ApiAnswerError') return false;
  return status === 429 || (status === 503 && !MENDED_FIRST.has(String(code)));
}

/** The API's 503s that running the command again does not get past: something must be mended first. */
const MENDED_FIRST = new Set(['key_missing', 'workflow_task_failing']);

/** Temporal's WorkflowUpdateFailedError, known by its name: the command line loads the Temporal SDK only in direct mode. */
function isUpdateRefusal(err: unknown): err is Error & { cause?: Error } {
  return err instanceof Error && err.name === 'WorkflowUpdateFailedError';
}
