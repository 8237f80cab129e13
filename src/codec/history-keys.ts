// At a worker's or service's start, its payload keys against the runs it will read. A data folder restored with
// another backup's codec-keys, or a NUMBERFLOW_CODEC_KEYS unlike the fleet's, otherwise starts: new journeys work
// while every running one's workflow task fails (its history unreadable), and an operator's code is answered "not
// taken yet … is the worker down?". The newest running runs are looked at: the input of each one's first event,
// encrypted with the key active when it began (or continued as new).
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { ConfigError } from '../config.js';
import { listedRuns, queueLiteral } from '../temporal/listed-runs.js';
import { AesGcmCodec, UndecryptablePayloadError, type CodecKeys } from './aes-gcm-codec.js';
import type { Undecryptable } from './undecryptable.js';

/** How many of the newest running runs are looked at: a few reads, once, at start. */
const RUNS_LOOKED_AT = 5;

/** The keys a process holds, as its messages name them. */
export function keysHeld(keys: CodecKeys, holder = 'this process'): string {
  const ids = [...keys.keys.keys()].map((id) => `'${id}'`).join(', ');
  return `${holder} holds ${ids}: NUMBERFLOW_CODEC_KEYS, or the data folder's codec-keys`;
}

interface Unread {
  workflowId: string;
  undecryptable: Undecryptable;
}

/**
 * Throws a ConfigError when the keys cannot be the fleet's: a key of a run's id here that does not open it (the same
 * id, another key), or no run looked at opened. Runs of a key this process lacks among runs it opens (one rotated
 * out too soon) are warned of: their tasks fail until a worker holds it. Temporal not answering the listing is
 * warned of, not refused: the check is a guard, not a condition of starting.
 */
export async function checkKeysOpenRunningRuns(
  client: Client,
  keys: CodecKeys,
  taskQueues: readonly string[],
  warn: (message: string) => void,
): Promise<void> {
  let looked: { opened: number; unread: Unread[] };
  try {
    looked = await lookAtNewestRuns(client, keys, taskQueues);
  } catch (err) {
    warn(`could not check the payload keys against the running journeys: ${(err as Error).message}`);
    return;
  }
  const { opened, unread } = looked;
  const [first] = unread;
  if (!first) return;
  const of = `${unread.length} of the ${opened + unread.length} newest running runs looked at (${first.workflowId} the first)`;
  const wrong = unread.find((run) => run.undecryptable.reason === 'wrong-key');
  if (wrong) {
    throw new ConfigError(
      `the payload key "${wrong.undecryptable.keyId}" here is not the one ${of} were written with: every task of theirs would fail (${keysHeld(keys)}). Give this process the fleet's payload keys; a restored data folder needs the codec-keys of the same backup as its temporal.sqlite`,
    );
  }
  const missing = [...new Set(unread.map((run) => `"${run.undecryptable.keyId}"`))].join(', ');
  if (opened === 0) {
    throw new ConfigError(
      `no payload key here opens the running runs: ${of} were written with key ${missing} (${keysHeld(keys)}). Give this process the fleet's payload keys; a restored data folder needs the codec-keys of the same backup as its temporal.sqlite`,
    );
  }
  warn(
    `${of} were written with payload key ${missing}, which this process lacks (rotated out while runs still needed it?): their workflow tasks fail until a worker holds it`,
  );
}

async function lookAtNewestRuns(
  client: Client,
  keys: CodecKeys,
  taskQueues: readonly string[],
): Promise<{ opened: number; unread: Unread[] }> {
  const codec = new AesGcmCodec(keys);
  const queues = [...new Set(taskQueues)].map(queueLiteral).join(', ');
  const query = `ExecutionStatus = 'Running' AND TaskQueue IN (${queues})`;
  const unread: Unread[] = [];
  let opened = 0;
  for await (const run of listedRuns(client, query, RUNS_LOOKED_AT)) {
    if (opened + unread.length >= RUNS_LOOKED_AT) break;
    const { history } = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId: run.workflowId, runId: run.runId },
      maximumPageSize: 1,
    });
    const payloads = (history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ??
      []) as Payload[];
    if (payloads.length === 0) continue;
    try {
      await codec.decode(payloads);
      opened += 1;
    } catch (err) {
      if (!(err instanceof UndecryptablePayloadError)) throw err;
      // A payload sent by hand without its key id is no sign of this process's keys.
      if (err.undecryptable.reason !== 'malformed')
        unread.push({ workflowId: run.workflowId, undecryptable: err.undecryptable });
    }
  }
  return { opened, unread };
}
