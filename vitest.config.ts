import { defineConfig } from 'vitest/config';
import SlowestFirst from './test/support/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One dev server and one time-skipping server serve the whole run (test/support/global-setup.ts).
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/quiet-runtime.ts'],
    // Three files at a time on the two cores: the tests mostly wait on the servers (the shared dev server; each
    // time-skipping file has a test server of its own, as time skipping is global to a server), and a third file
    // fills those waits (the whole run: 548 s with two at a time).
    fileParallelism: true,
    maxWorkers: 3,
    // The slowest files first (test/support/sequencer.ts), so the run does not end on one of them alone.
    sequence: { sequencer: SlowestFirst },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
