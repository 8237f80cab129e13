import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { testDataConverter } from '../support/temporal.js';

// Histories of real runs (journeys and portfolios), recorded by the journey tests with RECORD_HISTORIES=1, stored
// as Temporal's own protobuf encoding (payloads encrypted with the test key, as in the servers).
const fixturesDir = join(import.meta.dirname, '../fixtures/histories');
const fixtures = readdirSync(fixturesDir)
  .filter((file) => file.endsWith('.history'))
  .map((file) => ({
    workflowId: file,
    history: proto.temporal.api.history.v1.History.decode(readFileSync(join(fixturesDir, file))),
  }));

describe('replaying recorded histories', () => {
  it('has histories of every kind of run to replay', () => {
    const names = fixtures.map((f) => f.workflowId).join('\n');
    expect(fixtures.length).toBeGreaterThanOrEqual(20);
    const scenarios = [
      'by-SMS',
      'old-PIN',
      '133016',
      'SIGNUP-EXPIRED',
      'queues-a-third',
      'coexistence',
      'removed',
      'cancels-in',
      'continues-as-new',
      'portfolio',
    ];
    for (const scenario of scenarios) {
      expect(names, scenario).toMatch(new RegExp(scenario, 'i'));
    }
  });

  it('replays every one of them against the current workflow code without a determinism error', async () => {
    const failures: string[] = [];
    const replay = Worker.runReplayHistories(
      { workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter: testDataConverter },
      fixtures,
    );
    for await (const result of replay) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });

  it('fails the replay when the workflow code changed in a non-deterministic way', async () => {
    const changed = await bundleWorkflowCode({
      workflowsPath: join(import.meta.dirname, 'nondeterministic-workflows.ts'),
      logger: {
        log: () => undefined,
        trace: () => undefined,
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      },
    });
    const journey = fixtures.find((f) => f.workflowId.includes('number'));
    expect(journey).toBeDefined();
    await expect(
      Worker.runReplayHistory({ workflowBundle: changed, dataConverter: testDataConverter }, journey?.history),
    ).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
