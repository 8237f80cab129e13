// Replays the histories it is sent, in this thread, with the stand's data converter, and answers the CPU time this
// thread spent per history (bench/stack-traces.ts). Linux: the thread's own time from /proc/thread-self.
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import proto from '@temporalio/proto'; // CommonJS: its namespaces come through the default export
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createDataConverter, workerDataConverter } from '../src/codec/data-converter.js';
import { localCodecKeys } from '../src/codec/keys.js';
import { localSecretsKeys } from '../src/codec/secrets-keys.js';
import { statCpuSeconds } from './cpu.js';

export interface ReplayThreadData {
  /** The workflow bundle's code, as the worker runs it. */
  code: string;
  /** The stand's folder: its keys decrypt the histories. */
  dataDir: string;
  /** The histories, each encoded as Temporal's protobuf. */
  histories: Uint8Array[];
}

/** This thread's CPU time so far, in ms (Linux: its own /proc/thread-self/stat line). */
function threadCpuMs(): number {
  const seconds = statCpuSeconds(readFileSync('/proc/thread-self/stat', 'utf8'));
  if (seconds === null) throw new Error('no CPU time in /proc/thread-self/stat');
  return seconds * 1000;
}

Runtime.install({ logger: new DefaultLogger('WARN') }); // not a line per replay worker started and stopped
const data = workerData as ReplayThreadData;
const dataConverter = workerDataConverter(
  createDataConverter(localCodecKeys(data.dataDir), localSecretsKeys(data.dataDir)),
);
const histories = data.histories.map((bytes) => proto.temporal.api.history.v1.History.decode(bytes));

async function replayed(times: number): Promise<number> {
  const replays = Array.from({ length: times }, (_, round) =>
    histories.map((history, i) => ({ workflowId: `replay-${round}-${i}`, history })),
  ).flat();
  const before = threadCpuMs();
  for await (const result of Worker.runReplayHistories({ workflowBundle: { code: data.code }, dataConverter }, replays))
    if (result.error) throw result.error;
  return (threadCpuMs() - before) / replays.length;
}

/** Each message: how many times to replay every history; the answer: CPU ms per history replayed, or the error. */
parentPort?.on('message', (times: number) => {
  replayed(times).then(
    (cpuMs) => parentPort?.postMessage({ cpuMs }),
    (err: unknown) => parentPort?.postMessage({ error: String(err) }),
  );
});
