// Test workers log errors only: INFO and WARN lines (expected activity failures) of every worker start and stop would bury the test output.
import { DefaultLogger, Runtime } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // Installed already by an earlier test file in this process (files share it: vitest.config.ts).
}
