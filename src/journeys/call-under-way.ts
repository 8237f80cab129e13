// A Graph call Temporal is retrying for a running journey. The calls Temporal retries are the reads of the number
// (up to 6 attempts over a minute or two), a verify the activity took over from the workflow task (one retry, 3 s
// on), the display name sent to review, the Business App sync and the identity-check settings; the workflow hears
// of their failure only once the retries end. Requesting a code, register and deregister are never retried by
// Temporal: the journey repeats them itself after durable waits, which its waiting reason says.
import type { Client } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto'; // CommonJS: its namespaces come through the default
import { PayloadReader, type ProtoFailure } from '../audit/decode.js';
import { protoTimeMs } from '../temporal/proto-time.js';
import { failedOutcome, graphCallOf, metaAnswerOf } from '../audit/graph-calls.js';
import type { CallUnderWay } from '../domain/journey.js';

type PendingActivity = temporal.api.workflow.v1.IPendingActivityInfo;

/**
 * The slot request is the portfolio's, not a Graph call of the journey's; but one that starts the portfolio reads the
 * WABA's owner at Meta, and Temporal retries it: with Meta away, the journey's wait for the portfolio would not say
 * why it lasts.
 */
const SLOT_REQUEST = 'requestSlot';
const slotRequest = {
  what: () => "ask the portfolio for a registration slot (which reads the WABA's owner at Meta)",
  endpoint: 'GET /{waba-id}',
};
const { PendingActivityState } = proto.temporal.api.enums.v1;

/**
 * The journey's Graph call on a second attempt or later, or null when none is (a first attempt is no news), or when
 * Temporal could not be asked: the view it goes with was read already, and stands without it.
 */
export async function callUnderWay(client: Client, workflowId: string, runId?: string): Promise<CallUnderWay | null> {
  // The raw call: a handle's describe() decodes the memo too, which a key no longer held would fail.
  const described = await client.workflowService
    .describeWorkflowExecution({ namespace: client.options.namespace, execution: { workflowId, runId } })
    .catch(() => null);
  for (const pending of described?.pendingActivities ?? []) {
    const type = pending.activityType?.name ?? '';
    const graph = graphCallOf(type) ?? (type === SLOT_REQUEST ? slotRequest : undefined);
    const attempt = pending.attempt ?? 1;
    if (!graph || attempt < 2) continue;
    const next = protoTimeMs(pending.nextAttemptScheduleTime);
    const state = stateOf(pending.state, next, Date.now());
    return {
      // Without its arguments, which the description does not hold: each call says what it is for without them.
      call: graph.what([]),
      endpoint: graph.endpoint,
      attempt,
      state,
      attemptBefore: pending.lastFailure ? await attemptBefore(client, pending.lastFailure) : null,
      nextAttemptAt: state === 'backing off' && next > 0 ? new Date(next).toISOString() : null,
    };
  }
  return null;
}

/** How the attempt before went, as the audit's timeline says it, with Meta's message and fbtrace_id. */
async function attemptBefore(client: Client, failure: ProtoFailure): Promise<string> {
  const reader = new PayloadReader(client.options.loadedDataConverter);
  const meta = metaAnswerOf(await reader.failureDetail(failure, 'the last failure'));
  const said = meta?.message ? `: ${meta.message}` : '';
  const trace = meta?.fbtraceId ? ` (fbtrace_id ${meta.fbtraceId})` : '';
  return `${failedOutcome(failure, meta)}${said}${trace}`;
}

/** The server's clock and this process's may differ by this much: a backoff just over is not yet said overdue. */
const CLOCK_SKEW_MS = 2_000;

/**
 * Running on a worker (a cancel asked of it included), paused by an operator of Temporal, waiting out the backoff,
 * or due and waiting for a worker to take it (none polls).
 */
function stateOf(state: PendingActivity['state'], nextAttemptMs: number, now: number): CallUnderWay['state'] {
  switch (state) {
    case PendingActivityState.PENDING_ACTIVITY_STATE_STARTED:
    case PendingActivityState.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED:
      return 'running';
    case PendingActivityState.PENDING_ACTIVITY_STATE_PAUSED:
    case PendingActivityState.PENDING_ACTIVITY_STATE_PAUSE_REQUESTED:
      return 'paused';
    default:
      return nextAttemptMs > now - CLOCK_SKEW_MS ? 'backing off' : 'waiting for a worker';
  }
}
