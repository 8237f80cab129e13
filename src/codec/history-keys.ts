// At a worker's or service's start, its payload keys against the runs it will read. A data folder restored with
// another backup's codec-keys, or a NUMBERFLOW_CODEC_KEYS unlike the fleet's, otherwise starts: new journeys work
// while every running one's workflow task fails (its history unreadable), and an operator's code is answered "not
// taken yet … is the worker down?". The newest running journeys, portfolios and identity runs are looked at: the
// input of each one's first event, encrypted with the key active when it began (or continued as new).
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { ConfigError, taskQueuesOf, type Config } from '../config.js';
import { isNotFound } from '../temporal/grpc-status.js';
import { listedRuns, queueLiteral } from '../temporal/listed-runs.js';
import { AesGcmCodec, isEncrypted, UndecryptablePayloadError, type CodecKeys } from './aes-gcm-codec.js';
import type { Undecryptable } from './undecryptable.js';

/** How many of the newest running runs are looked at, and read at most: a few reads, once, at start. */
const RUNS_LOOKED_AT = 5;
const RUNS_READ_AT_MOST = 20;
/** Unknown keys refuse a start only when no run of at least this many opened: one run is no sample. */
const UNKNOWN_KEY_SAMPLE = 2;
/** How long the check may take: a visibility store that hangs is warned of, not waited for. */
const CHECK_WITHIN_MS = 10_000;
/** The long-lived runs of numberflow's workflows (not a client's keyCheck, which may hold another client's key). */
const LONG_LIVED = ['numberJourney', 'portfolio', 'customerIdentity'];

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
 * id, another key), or no run of two or more looked at opens (`refuse`; `warn` says so and starts). Runs of a key
 * this process lacks otherwise (one rotated out too soon) are warned of: their tasks fail until a worker holds it.
 * Temporal not answering the listing in time is warned of: the check is a guard, not a condition of starting.
 */
export async function checkKeysOpenRunningRuns(
  client: Client,
  keys: CodecKeys,
  taskQueues: readonly string[],
  warn: (message: string) => void,
  onMismatch: 'refuse' | 'warn' = 'refuse', // NUMBERFLOW_KEY_CHECK
): Promise<void> {
  let looked: { opened: number; unread: Unread[] };
  try {
    looked = await client.withDeadline(Date.now() + CHECK_WITHIN_MS, () => lookAtNewestRuns(client, keys, taskQueues));
  } catch (err) {
    warn(`could not check the payload keys against the running runs: ${(err as Error).message}`);
    return;
  }
  const { opened, unread } = looked;
  const looks = `of the ${opened + unread.length} newest running runs looked at`;
  const remedy = `Give this process the fleet's payload keys; a restored data folder needs the codec-keys of the same backup as its temporal.sqlite (NUMBERFLOW_KEY_CHECK=warn starts anyway)`;
  const refuse = (message: string) => {
    if (onMismatch === 'refuse') throw new ConfigError(`${message}. ${remedy}`);
    warn(`${message}; starting anyway (NUMBERFLOW_KEY_CHECK=warn)`);
  };
  const wrong = unread.filter((run) => run.undecryptable.reason === 'wrong-key');
  if (wrong[0]) {
    return refuse(
      `the payload key ${idsOf(wrong)} here is not the one ${wrong.length} ${looks} (${wrong[0].workflowId} the first) were written with: every task of theirs would fail (${keysHeld(keys)})`,
    );
  }
  if (!unread[0]) return;
  const of = `${unread.length} ${looks} (${unread[0].workflowId} the first)`;
  if (opened === 0 && unread.length >= UNKNOWN_KEY_SAMPLE) {
    return refuse(
      `no payload key here opens the running runs: ${of} were written with key ${idsOf(unread)} (${keysHeld(keys)})`,
    );
  }
  warn(
    `${of} were written with payload key ${idsOf(unread)}, which this process lacks (rotated out while runs still needed it?): their workflow tasks fail until a worker holds it`,
  );
}

/** The check at a worker's or the service's start, as configured (NUMBERFLOW_KEY_CHECK), told to the log. */
export function checkKeysAtStart(
  client: Client,
  keys: CodecKeys,
  config: Config,
  logger: { warn: (message: string) => void },
): Promise<void> {
  const warn = (message: string) => logger.warn(message);
  return checkKeysOpenRunningRuns(client, keys, taskQueuesOf(config), warn, config.NUMBERFLOW_KEY_CHECK);
}

/** The key ids runs name, as they came with their payloads (printable, bounded). */
function idsOf(runs: readonly Unread[]): string {
  const shown = (id: string) => `"${id.replace(/[^\x20-\x7e]/g, '?').slice(0, 64)}"`;
  return [...new Set(runs.map((run) => shown(run.undecryptable.keyId)))].join(', ');
}

async function lookAtNewestRuns(
  client: Client,
  keys: CodecKeys,
  taskQueues: readonly string[],
): Promise<{ opened: number; unread: Unread[] }> {
  const codec = new AesGcmCodec(keys);
  const queues = [...new Set(taskQueues)].map(queueLiteral).join(', ');
  const types = LONG_LIVED.map((type) => `'${type}'`).join(', ');
  const query = `ExecutionStatus = 'Running' AND TaskQueue IN (${queues}) AND WorkflowType IN (${types})`;
  const unread: Unread[] = [];
  let opened = 0;
  let read = 0;
  for await (const run of listedRuns(client, query, RUNS_LOOKED_AT)) {
    if (opened + unread.length >= RUNS_LOOKED_AT || read++ >= RUNS_READ_AT_MOST) break;
    const payloads = await firstInput(client, run).catch((err: unknown) => {
      if (isNotFound(err)) return []; // deleted since it was listed
      throw err;
    });
    // A run started by hand with plain payloads says nothing of this process's keys.
    if (!payloads.some(isEncrypted)) continue;
    try {
      await codec.decode(payloads);
      opened += 1;
    } catch (err) {
      if (!(err instanceof UndecryptablePayloadError)) throw err;
      // A payload sent by hand without its key id is no sign of this process's keys either.
      if (err.undecryptable.reason !== 'malformed')
        unread.push({ workflowId: run.workflowId, undecryptable: err.undecryptable });
    }
  }
  return { opened, unread };
}

/** The input of a run's first event, as stored. */
async function firstInput(client: Client, run: { workflowId: string; runId: string }): Promise<Payload[]> {
  const { history } = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId: run.workflowId, runId: run.runId },
    maximumPageSize: 1,
  });
  return (history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? []) as Payload[];
}
