// A storm of transient Graph faults (seeded; test/support/storm.ts) over 20 journeys at once, one worker in-process:
// every journey reaches LIVE, and no number is registered twice.
import { describe, expect, it } from 'vitest';
import { useBench } from '../support/bench.js';
import { callsFor, callsPerEndpoint, reachedLogic, succeeded } from '../support/call-counts.js';
import { driveToLive, injectStorm, stormCodes } from '../support/storm.js';

const JOURNEYS = 20;

describe('a fault storm on every Graph endpoint (dev server + Graph sandbox)', () => {
  const t = useBench('dev', { sandbox: { seed: 30, nameReviewDelayMs: 1_000 } });

  it('takes 20 journeys to LIVE with at most 2 registers reaching Meta per number, one successful', async () => {
    const { bench } = t;
    injectStorm(bench.sandbox.admin);
    const started = performance.now();
    const views = await bench.run(async () => {
      const journeys = await Promise.all(Array.from({ length: JOURNEYS }, () => bench.start(bench.input())));
      // Most runs take about 35 s. A journey whose call meets a transient fault three times in a row waits 5, 20 and
      // 80 s before its fourth try (seen once in CI, about 1% of runs): the budget covers that chain.
      return Promise.all(
        journeys.map((j) => driveToLive(bench.env.client, bench.sandbox.admin, j.workflowId, 220_000)),
      );
    });
    const log = bench.sandbox.admin.calls();
    const faulted = log.filter((c) => c.errorCode !== undefined && stormCodes.has(c.errorCode));
    console.log(
      `fault storm: ${JOURNEYS} journeys in ${Math.round(performance.now() - started)} ms; ${log.length} calls, ` +
        `${faulted.length} answered by an injected error; per endpoint ${JSON.stringify(callsPerEndpoint(log))}`,
    );
    expect(views.map((v) => v.stage)).toEqual(Array.from({ length: JOURNEYS }, () => 'LIVE'));
    expect(faulted.length).toBeGreaterThan(JOURNEYS); // the storm did blow
    for (const view of views) {
      const registers = callsFor(log, '/register', view.phoneNumberId as string);
      // Counted: register calls the sandbox's register logic answered (success or a Meta rule), not those an
      // injected error fault answered in its place before the logic ran (the log records those too, with the code).
      expect(reachedLogic(registers, stormCodes).length).toBeLessThanOrEqual(2);
      expect(succeeded(registers)).toHaveLength(1);
    }
  }, 260_000);
});
