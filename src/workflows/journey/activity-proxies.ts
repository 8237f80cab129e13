// The journey's activity proxies, each declared once and named by what it may repeat. Waits of hours or days are
// workflow timers (call-meta.ts), never retries. The local ones a run makes inside its task first are declared in
// in-task-calls.ts, their only user: a stage reaches them only through the calls that ask their patches.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';

// An attempt must outlast its HTTP calls (connect 5 s + answer 15 s + body 15 s each, two calls at most), or
// Temporal would start a retry while the first call still runs. Activities heartbeat while they wait on Graph,
// so a worker that died is noticed in seconds, not at the end of the attempt.
export const GRAPH_ATTEMPT = { startToCloseTimeout: '2m', heartbeatTimeout: '15s' } as const;

/** Reads and idempotent writes: a few quick retries on transient errors. */
export const READ_RETRY = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  maximumAttempts: 6,
} as const;
export const { readNumber, addPhoneNumber, enableIdentityCheck, setIdentityCheck } = proxyActivities<Activities>({
  ...GRAPH_ATTEMPT,
  retry: READ_RETRY,
});

/** Writes Meta cannot undo or repeat harmlessly: one guarded retry, which first reads what Meta shows. */
const GUARDED_RETRY = { initialInterval: '3s', maximumAttempts: 2 } as const;
export const { verifyCode, requestDisplayNameChange, syncSmbAppData } = proxyActivities<Activities>({
  ...GRAPH_ATTEMPT,
  retry: GUARDED_RETRY,
});

/**
 * One call per attempt, never retried by Temporal: register and deregister count toward Meta's 10 per 72 h, and a
 * second request_code voids the code already delivered. The journey repeats them itself, guarded and counted.
 * A message is sent once: a retry could deliver it twice.
 */
export const { registerNumber, deregisterNumber, requestCode, sendText } = proxyActivities<Activities>({
  ...GRAPH_ATTEMPT,
  retry: { maximumAttempts: 1 },
});

/** Quick work inside the worker, recorded once in history (a retried register never meets another PIN). */
export const { generatePin } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s' });

/** Talks to our own Temporal cluster (the portfolio, the run itself), not to Meta: retried until it works. */
export const CLUSTER_CALL = {
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
} as const;
export const { requestSlot, cancelRun } = proxyActivities<Activities>(CLUSTER_CALL);

/** Reads our own cluster for the PIN an earlier journey set: a few tries, then the journey asks an operator. */
export const { rememberedPin } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumAttempts: 3 },
});
