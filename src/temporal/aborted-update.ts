// Temporal aborts an update carried by a workflow task whose completion it refused — a continue-as-new that met a
// new event (a signal, say) while the task ran, as a live journey receiving Meta's webhooks does — with
// FAILED_PRECONDITION "unexpected workflow task failure". The update was not taken, and the task is retried at once:
// sent again, it reaches the retried task, or the run that continued.
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { messagesThrough } from './unanswered.js';

/** Whether an update failed so: not taken, to be sent again. */
export function updateAbortedWithItsTask(err: unknown): boolean {
  return [...messagesThrough(err)].some((message) => /unexpected workflow task failure/i.test(message));
}

/** What the API and the command line say when the update was aborted on every try. */
export const UPDATE_ABORTED =
  'Temporal did not take it: it refused the workflow task that carried it (a run continuing as new while events arrive, say) and retries that task; send it again';

/** How often an aborted update is sent, and the pause before each try again (a retried task runs at once). */
const TRIES = 3;
const PAUSE_MS = 100;

/** Sends an update (`send`), and again when Temporal aborted it with its task. */
async function sendingAgainIfAborted<T>(send: () => Promise<T>): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await send();
    } catch (err) {
      if (tried >= TRIES || !updateAbortedWithItsTask(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS * tried));
    }
  }
}

/**
 * On every client numberflow connects (connection.ts): each update it sends — an operator's input, a PIN reveal, an
 * identity confirmation, a journey's slot request — is sent again when Temporal aborted it with its task.
 */
export const updatesSentAgainIfAborted: WorkflowClientInterceptor = {
  startUpdate: (input, next) => sendingAgainIfAborted(() => next(input)),
};
