// The start's payload-key check within its bounds: runs deleted since listed, at most 20 read, the configured answer.
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createDataConverter } from '../../src/codec/data-converter.js';
import { checkKeysAtStart, checkKeysOpenRunningRuns } from '../../src/codec/history-keys.js';
import { parseCodecKeys } from '../../src/codec/keys.js';
import { loadConfig } from '../../src/config.js';
import { testSecretsKeys } from '../support/temporal.js';

const key = (id: string, fill: number) => `${id}:${Buffer.alloc(32, fill).toString('base64')}`;

/** A run's first input as a client with `keys` writes it. */
async function written(keys: string) {
  const converter = createDataConverter(parseCodecKeys(keys), testSecretsKeys);
  const [payload] = await converter.payloadCodecs![1]!.encode([{ metadata: {}, data: Buffer.from('{}') }]);
  return payload!;
}

/**
 * A client whose visibility lists `runs` running runs, 5 a page; a run's history is NotFound for `gone` ids, else its
 * input is `input(i)` (none: a plain payload). Counts the histories read.
 */
function clientListing(runs: number, input: (i: number) => unknown, gone: ReadonlySet<number> = new Set()) {
  let read = 0;
  const workflowService = {
    listWorkflowExecutions: ({ nextPageToken }: { nextPageToken: Uint8Array | null }) => {
      const from = nextPageToken ? Number(Buffer.from(nextPageToken).toString()) : 0;
      const to = Math.min(runs, from + 5);
      const executions = Array.from({ length: to - from }, (_, k) => ({
        execution: { workflowId: `number:+1555000${from + k}`, runId: `r${from + k}` },
        status: 1,
      }));
      return Promise.resolve({ executions, nextPageToken: to < runs ? Buffer.from(String(to)) : null });
    },
    getWorkflowExecutionHistory: ({ execution }: { execution: { runId: string } }) => {
      read += 1;
      const i = Number(execution.runId.slice(1));
      if (gone.has(i)) return Promise.reject(Object.assign(new Error('5 NOT_FOUND: workflow not found'), { code: 5 }));
      const payload = input(i) ?? { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{}') };
      return Promise.resolve({
        history: { events: [{ workflowExecutionStartedEventAttributes: { input: { payloads: [payload] } } }] },
      });
    },
  };
  const client = {
    options: { namespace: 'default' },
    workflowService,
    withDeadline: (_deadline: number, fn: () => Promise<unknown>) => fn(),
  } as unknown as Client;
  return { client, read: () => read };
}

describe("the start's payload-key check, within its bounds", () => {
  it('skips a run deleted since it was listed, and reads at most 20 histories', async () => {
    const other = await written(key('test-1', 7));
    // 30 runs: the first deleted, then plain ones (passed over) up to the 25th, then runs of a key this one lacks.
    const { client, read } = clientListing(30, (i) => (i >= 25 ? other : undefined), new Set([0]));
    const warnings: string[] = [];
    await checkKeysOpenRunningRuns(client, parseCodecKeys(key('mine', 1)), ['q'], (m) => warnings.push(m));
    expect(read()).toBe(20); // none of the runs of the other key reached: nothing to say
    expect(warnings).toEqual([]);
  });

  it('refuses or warns as NUMBERFLOW_KEY_CHECK says', async () => {
    const other = await written(key('test-1', 7));
    const config = (check?: string) =>
      loadConfig({ TEMPORAL_TASK_QUEUE: 'q', NUMBERFLOW_KEY_CHECK: check, NUMBERFLOW_DATA_DIR: '/tmp/unused' });
    const keys = parseCodecKeys(key('mine', 1));
    const warnings: string[] = [];
    const logger = { warn: (message: string) => warnings.push(message) };
    const { client } = clientListing(3, () => other);
    await expect(checkKeysAtStart(client, keys, config(), logger)).rejects.toThrow(/^no payload key here opens/);
    await checkKeysAtStart(client, keys, config('warn'), logger);
    expect(warnings).toEqual([expect.stringMatching(/starting anyway \(NUMBERFLOW_KEY_CHECK=warn\)$/)]);
    expect(() => config('never')).toThrow(/NUMBERFLOW_KEY_CHECK/);
  });
});
