// Starting checked rows, paced and with bounded concurrency, so a file of thousands never floods Temporal. Each
// start goes through the idempotent starter under the row's key: a row started before is answered "already
// running" with its journey. No row waits for a worker: a new journey's stage is the one it is started with.
import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { NumberStage } from '../domain/search-attributes.js';
import { isJourneyOutcome, type StageOrOutcome } from '../domain/stages.js';
import { failedRow, type CheckedRow } from './batch-rows.js';
import { closedOutsideJourney } from './closed-runs.js';
import type { StartOnce } from './start-once.js';
import type { Idempotency } from './start.js';
import { notAnsweringMessages, temporalNotAnswering } from '../temporal/unanswered.js';

export type RowOutcome = 'started' | 'already_running' | 'failed';

export interface RowResult {
  line: number;
  e164: string;
  outcome: RowOutcome;
  workflowId: string | null;
  runId: string | null;
  /** The journey's stage (search attribute) when it was answered; null when it failed. */
  stage: string | null;
  /** Why it failed (e.g. the number's journey runs under another request). */
  error: string | null;
}

export interface Pace {
  /** Starts per second, at most. */
  ratePerSecond: number;
  /** Starts in flight at once, at most. */
  concurrency: number;
}

/** A pace that keeps a shared dev server responsive: 50 starts a second, 8 at a time. */
export const DEFAULT_PACE: Pace = { ratePerSecond: 50, concurrency: 8 };
export const MAX_RATE = 500;

/** Starts the rows in order of their lines; `onResult` hears each as it is answered. Results are in row order. */
export async function startRows(
  client: Client,
  startOnce: StartOnce,
  rows: readonly CheckedRow[],
  pace: Pace = DEFAULT_PACE,
  onResult: (result: RowResult) => void = () => {},
  caller: Pick<Idempotency, 'scope' | 'sees'> = {},
): Promise<RowResult[]> {
  const results: RowResult[] = new Array<RowResult>(rows.length);
  const began = Date.now();
  let next = 0;
  const work = async () => {
    for (let index = next++; index < rows.length; index = next++) {
      const due = began + (index * 1000) / pace.ratePerSecond;
      if (due > Date.now()) await delay(due - Date.now());
      const result = await startRow(client, startOnce, rows[index] as CheckedRow, caller);
      results[index] = result;
      onResult(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(pace.concurrency, rows.length)) }, work));
  return results;
}

async function startRow(
  client: Client,
  startOnce: StartOnce,
  row: CheckedRow,
  caller: Pick<Idempotency, 'scope' | 'sees'>,
): Promise<RowResult> {
  const e164 = row.input.phoneNumber.e164;
  const answer = { line: row.line, e164, error: null };
  try {
    const { idempotencyKey: key, requestHash, requestHashesBefore } = row;
    const hashes = requestHashesBefore === undefined ? { requestHash } : { requestHash, requestHashesBefore };
    const started = await startOnce(row.input, { key, ...hashes, ...caller });
    const { workflowId, runId } = started;
    if (started.created) {
      const stage: StageOrOutcome = 'WAITING_FOR_CAPACITY'; // what startJourney sets; no worker needed to say it
      return { ...answer, outcome: 'started', workflowId, runId, stage };
    }
    return {
      ...answer,
      outcome: 'already_running',
      workflowId,
      runId,
      stage: await stageOf(client, workflowId, runId),
    };
  } catch (err) {
    // A conflict says whose journey runs; anything else (Temporal unreachable) is this row's failure too.
    const message = err instanceof Error ? err.message : String(err);
    const notAnswering = temporalNotAnswering(err);
    const error = notAnswering
      ? `${notAnsweringMessages[notAnswering]} (${message}): the same file again starts this row once at most`
      : message;
    return failedRow(row, error);
  }
}

/**
 * The run's stage from its search attribute (no worker needed; null on a server without them); a run Temporal closed
 * outside the journey has no ending of its own there, and reads as ended.
 */
async function stageOf(client: Client, workflowId: string, runId: string): Promise<string | null> {
  const described = await client.workflow.getHandle(workflowId, runId).describe();
  const stage = described.typedSearchAttributes.get(NumberStage) ?? null;
  if (stage !== null && isJourneyOutcome(stage)) return stage;
  return closedOutsideJourney(described.raw.workflowExecutionInfo?.status)?.outcome ?? stage;
}
