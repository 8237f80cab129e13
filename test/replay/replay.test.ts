import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import proto from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { fixturesDir, readManifest } from '../support/fixtures.js';
import { bundleTestWorkflows, testDataConverter } from '../support/temporal.js';

// Histories of real runs (journeys and portfolios), recorded by the journey tests with RECORD_HISTORIES=1 under
// stable names, stored as Temporal's own protobuf encoding (payloads encrypted with the test key, as in the
// servers). They are the compatibility gate: a change that breaks one goes behind patched().
const manifest = readManifest();
const load = (name: string) => ({
  workflowId: name,
  history: proto.temporal.api.history.v1.History.decode(readFileSync(join(fixturesDir, name))),
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [relative(fixturesDir, path)];
  });
}

describe('replaying recorded histories', () => {
  it('keeps every fixture the manifest lists, and lists every fixture it keeps', () => {
    const onDisk = filesUnder(fixturesDir).filter((f) => f.endsWith('.history'));
    expect(manifest.fixtures.filter((f) => !existsSync(join(fixturesDir, f)))).toEqual([]); // retire, never delete
    expect(onDisk.filter((f) => !manifest.fixtures.includes(f))).toEqual([]);
    expect(manifest.fixtures.filter((f) => f in manifest.retired)).toEqual([]);
    for (const name of manifest.fixtures)
      expect(name).toMatch(/^(numberJourney|portfolio|customerIdentity)\/[a-z0-9-]+\.history$/);
  });

  it('has histories of every kind of run to replay', () => {
    const names = manifest.fixtures.join('\n');
    expect(manifest.fixtures.length).toBeGreaterThanOrEqual(40);
    const scenarios = [
      'by-sms',
      'old-pin',
      '133016',
      'signup-expired',
      'queues-a-third',
      'coexistence',
      'removal-after-a-paid-message',
      'cancels-in',
      'events-in-live-and-continue',
      'portfolio/',
      'portfolio/portfolios-on-the-journeys-task-queue-move-to-their-own', // the move received and made
      'portfolio/an-older-worker-ignores-the-move', // the version before's workers: replayed without the move
    ];
    for (const scenario of scenarios) expect(names, scenario).toContain(scenario);
  });

  it('replays every one of them against the current workflow code without a determinism error', async () => {
    const failures: string[] = [];
    const replay = Worker.runReplayHistories(
      { workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter: testDataConverter },
      manifest.fixtures.map(load),
    );
    for await (const result of replay) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  }, 240_000); // ~300 histories, each replayed whole: 30–50 s on an idle 2-core box, over 60 s on a loaded one

  it('fails the replay when the workflow code changed in a non-deterministic way', async () => {
    const changed = await bundleTestWorkflows(join(import.meta.dirname, 'nondeterministic-workflows.ts'));
    const journey = manifest.fixtures.find((f) => f.startsWith('numberJourney/'));
    expect(journey).toBeDefined();
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: changed, dataConverter: testDataConverter },
        load(journey ?? '').history,
      ),
    ).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
