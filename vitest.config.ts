import { defineConfig } from 'vitest/config';
import SlowestFirst from './test/support/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One dev server and one time-skipping server serve the whole run (test/support/global-setup.ts).
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/quiet-runtime.ts'],
    // Two files at a time on the two cores: the tests mostly wait on the servers (the shared dev server; each
    // time-skipping file has a test server of its own, as time skipping is global to a server).
    fileParallelism: true,
    maxWorkers: 2,
    // The slowest files first (test/support/sequencer.ts), so the run does not end on one of them alone.
    sequence: { sequencer: SlowestFirst },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
