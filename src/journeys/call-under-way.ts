// A Graph call Temporal is retrying for a running journey. The workflow hears of a failed call only once its retries
// end (minutes to hours for Meta's rate limits and outages); until then Temporal's description of the run knows the
// attempt, how the attempt before went, and when the next one starts — what an operator asks of a journey that seems
// stuck in REQUESTING_CODE or REGISTERING.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { PayloadReader, protoTimeMs, type ProtoFailure } from '../audit/decode.js';
import { failedOutcome, graphCallOf, metaAnswerOf } from '../audit/graph-calls.js';
import type { CallUnderWay } from '../domain/journey.js';

type PendingActivity = temporal.api.workflow.v1.IPendingActivityInfo;

/** The journey's Graph call on a second attempt or later, or null when none is: a first attempt is no news. */
export async function callUnderWay(client: Client, workflowId: string, runId?: string): Promise<CallUnderWay | null> {
  const { raw } = await client.workflow.getHandle(workflowId, runId).describe();
  for (const pending of raw.pendingActivities ?? []) {
    const graph = graphCallOf(pending.activityType?.name ?? '');
    const attempt = pending.attempt ?? 1;
    if (!graph || attempt < 2) continue;
    return {
      call: graph.what([]),
      endpoint: graph.endpoint,
      attempt,
      attemptBefore: pending.lastFailure ? await attemptBefore(client, pending.lastFailure) : null,
      nextAttemptAt: nextAttemptAt(pending),
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

/** When Temporal starts the next attempt; null while one runs. */
function nextAttemptAt(pending: PendingActivity): string | null {
  const ms = protoTimeMs(pending.nextAttemptScheduleTime);
  return ms > 0 ? new Date(ms).toISOString() : null;
}
