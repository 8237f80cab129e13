// The identity recoveries of a number's customers in its timeline: every `customerIdentity` run on any
// phone_number_id the number had (found through visibility by workflow type and id prefix), read like a journey
// run — Meta's 137000, the operator's confirmation, the store's steps, the new hash, the wait, the ending — each
// entry marked with the customer, then merged in time with the journey's own entries.
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { CustomerIdentityInput } from '../domain/identity.js';
import type { StageOrOutcome } from '../domain/stages.js';
import { isoOf, PayloadReader, type HistoryEvent } from './decode.js';
import { protoTimeMs } from '../temporal/proto-time.js';
import { confirmedAt, identityCompletion, identityWaitReason } from './identity-steps.js';
import { allowed } from './payloads.js';
import { endingEntry } from './run-ends.js';
import { identityRunsOf, runHistory, type JourneyRun } from './runs.js';
import { CallsAndWaits } from './timeline-calls.js';
import { Messages } from './timeline-messages.js';
import type { IdentityRun, TimelineEntry } from './types.js';
import { At, type Walk } from './walk.js';
import { WorkflowTime } from './workflow-time.js';

const identityInputFields = z.object({
  phoneNumberId: z.string(),
  waId: z.string(),
  wabaId: z.string(),
}) satisfies z.ZodType<CustomerIdentityInput>;

/** The customer of an identity run, from its id `identity:<phone_number_id>:<wa_id>`. */
export const customerOfRun = (run: Pick<JourneyRun, 'workflowId'>): string => run.workflowId.split(':')[2] ?? '';

/** Whether a recovery belongs to the audited number, from the WABA its input names (null: unreadable). */
export type RecoveryFilter = (wabaId: string | null) => boolean;

/**
 * One recovery's entries, in history order, marked with its customer (their stage is the journey's, set later);
 * null when `keeps` leaves it out. Its start (the input naming the WABA) is read first and decides before the rest
 * is walked; what could not be read of it reaches `reader.gaps` only if the run is kept.
 */
export async function identityRunEntries(
  client: Client,
  run: JourneyRun,
  reader: PayloadReader,
  keeps: RecoveryFilter = () => true,
): Promise<{ entries: TimelineEntry[]; summary: IdentityRun; wabaId: string | null } | null> {
  const events = await runHistory(client, run);
  const own = new PayloadReader(client.options.loadedDataConverter);
  const walk: Walk = {
    runId: run.runId,
    converter: client.options.loadedDataConverter,
    reader: own,
    time: new WorkflowTime(events),
    stage: 'LIVE',
    signupAtMs: null,
    failedCall: null,
    cancel: {},
    entries: [],
    noteTargets: [],
  };
  let confirmed = false; // the wait after the operator's confirmation is another's
  const calls = new CallsAndWaits(walk, () => identityWaitReason(confirmed));
  const messages = new Messages(walk);
  let input: CustomerIdentityInput | undefined;
  for (const [index, event] of events.entries()) {
    const at = new At(walk, event, index);
    const started = event.workflowExecutionStartedEventAttributes;
    if (started) {
      input = allowed(identityInputFields, await own.first(started.input?.payloads, at.where));
      if (!keeps(input?.wabaId ?? null)) return null;
      at.add({ kind: 'started', actor: 'numberflow', what: startWhat(input, run) });
      continue;
    }
    if (input === undefined && !keeps(null)) return null; // a history without its start: its WABA is unknown
    confirmed ||= confirmedAt(event);
    if (await calls.take(at)) continue;
    if (await messages.take(at)) continue;
    const ending =
      (await identityCompletion(event, reader, at.where)) ?? (await endingEntry(event, reader, at.where, walk.cancel));
    if (ending) at.add(ending);
  }
  calls.addUnanswered(run.closeTime === null);
  reader.gaps.push(...own.gaps);
  const waId = input?.waId ?? customerOfRun(run);
  return {
    entries: walk.entries.map((entry) => ({ ...entry, customer: waId })),
    summary: summaryOf(run, events, input, waId),
    wabaId: input?.wabaId ?? null,
  };
}

function startWhat(input: CustomerIdentityInput | undefined, run: JourneyRun): string {
  const whose = input
    ? `customer ${input.waId} of phone_number_id ${input.phoneNumberId} (WABA ${input.wabaId})`
    : `the customer of ${run.workflowId} (its input could not be read)`;
  return `started the identity recovery of ${whose}`;
}

function summaryOf(
  run: JourneyRun,
  events: HistoryEvent[],
  input: CustomerIdentityInput | undefined,
  waId: string,
): IdentityRun {
  return {
    workflowId: run.workflowId,
    runId: run.runId,
    phoneNumberId: input?.phoneNumberId ?? run.workflowId.split(':')[1] ?? '',
    waId,
    startedAt: isoOf(events[0] ? protoTimeMs(events[0].eventTime) : run.startTime.getTime()),
    closedAt: run.closeTime ? run.closeTime.toISOString() : null,
    status: run.status,
  };
}

/**
 * The journey's entries (kept in their order) and the recoveries' (ordered by time) merged by time; a recovery's
 * entry takes the stage the journey was in at that moment.
 */
export function mergeInTime(journey: TimelineEntry[], identity: TimelineEntry[]): TimelineEntry[] {
  const pending = [...identity].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const merged: TimelineEntry[] = [];
  let stage: StageOrOutcome = journey[0]?.stage ?? 'LIVE';
  let next = 0;
  for (const entry of journey) {
    const at = Date.parse(entry.at);
    for (; next < pending.length && Date.parse(pending[next]?.at ?? '') < at; next++) {
      merged.push({ ...(pending[next] as TimelineEntry), stage });
    }
    merged.push(entry);
    stage = entry.stage;
  }
  for (const entry of pending.slice(next)) merged.push({ ...entry, stage });
  return merged;
}

/**
 * The customers' recoveries on every phone_number_id of the runs read (a limited reader's runs only), under the
 * number's WABA: a recovery whose input names another WABA is not this number's. For a reader limited to some
 * portfolios, a recovery is kept only when its input names a WABA of a run they read: one whose input cannot be
 * read, or on a phone_number_id whose runs name no WABA, could be another portfolio's.
 */
export async function customersRecoveries(
  client: Client,
  runs: JourneyRun[],
  reader: PayloadReader,
  limited = false,
): Promise<{ runs: IdentityRun[]; entries: TimelineEntry[] }> {
  const wabas = new Map<string, Set<string>>();
  for (const run of runs) {
    if (!run.phoneNumberId) continue;
    const known = wabas.get(run.phoneNumberId) ?? new Set<string>();
    if (run.wabaId) known.add(run.wabaId);
    wabas.set(run.phoneNumberId, known);
  }
  const found = { runs: [] as IdentityRun[], entries: [] as TimelineEntry[] };
  for (const [phoneNumberId, wabaIds] of wabas) {
    // A visibility store that cannot list them leaves the journey's own timeline whole, and says so.
    const listed = await identityRunsOf(client, phoneNumberId).catch((err: unknown) => {
      const why = err instanceof Error ? err.message : String(err);
      reader.gaps.push(`customers' identity recoveries on phone_number_id ${phoneNumberId}: ${why}`);
      return [];
    });
    const keeps: RecoveryFilter = (wabaId) =>
      limited ? wabaId !== null && wabaIds.has(wabaId) : wabaId === null || wabaIds.size === 0 || wabaIds.has(wabaId);
    for (const run of listed) {
      const read = await identityRunEntries(client, run, reader, keeps);
      if (!read) continue;
      found.runs.push(read.summary);
      found.entries.push(...read.entries);
    }
  }
  return found;
}
