// Test workers log at WARN: INFO lines of every worker start and stop would bury the test output.
import { DefaultLogger, Runtime } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Installed already by an earlier test file in this process.
}
