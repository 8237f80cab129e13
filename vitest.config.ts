import { defineConfig } from 'vitest/config';
import SlowestFirst from './test/support/sequencer.js';

/** gRPC's refusal of a Temporal client's retry whose connection was closed meanwhile. */
function isRetryAfterClose(error: { message?: string; stack?: string }): boolean {
  return (
    error.message === 'Channel has been shut down' && /@temporalio\/client\/lib\/grpc-retry/.test(error.stack ?? '')
  );
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One dev server and one time-skipping server serve the whole run (test/support/global-setup.ts).
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/running-file.ts', 'test/support/quiet-runtime.ts', 'test/support/file-environment.ts'],
    // Three files at a time on the two cores: the tests mostly wait on the servers (the shared dev server; each
    // time-skipping file has a test server of its own, as time skipping is global to a server), and a third file
    // fills those waits (the whole run: 548 s with two at a time).
    fileParallelism: true,
    maxWorkers: 3,
    // Files run one after another in each worker process, not each in a fresh one: a fresh process spent 1–3 s
    // importing the Temporal SDK and the app before the first test (the whole run: 536 s isolated, 399 s not). A
    // file's process.env changes are undone when it ends (test/support/file-environment.ts).
    isolate: false,
    // With files sharing a process, a Temporal client call still being retried (its backoff timer) when an earlier
    // file closed its connection throws once the timer fires, into whichever file runs then. That call's test is
    // over (said on standard error); any other error still fails the run. numberflow's own clients (connectClient)
    // end such a call instead (src/temporal/closed-channel.ts); the tests' own connections still meet it.
    onUnhandledError: (error) => {
      if (!isRetryAfterClose(error)) return true;
      console.warn(`ignored: a Temporal client's retry after its connection was closed (${error.message})`);
      return false;
    },
    // The slowest files first (test/support/sequencer.ts), so the run does not end on one of them alone.
    sequence: { sequencer: SlowestFirst },
    // A worker process that stalls (its event loop blocked: no timeout fires) is stopped and said, its threads and
    // stacks printed, rather than holding the run for ever; scripts/run-tests.sh then runs its files once more.
    reporters: ['default', './test/support/stall-watchdog.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
