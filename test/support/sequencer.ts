// The order test files start in: the slowest first, so that no long file starts last while the other worker has run
// out of files (on a clean clone vitest knows no durations, starts larger files first, and a small file that takes
// a minute could start at the end). Seconds as measured in CI; files not listed keep vitest's own order after them.
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const SLOWEST_SECONDS: Record<string, number> = {
  'test/integration/npm-start-restart.test.ts': 53,
  'test/integration/cli-api-mode.test.ts': 53,
  'test/journeys/burst.test.ts': 47,
  'test/integration/worker-crash.test.ts': 46,
  'test/journeys/faults.test.ts': 29,
  'test/audit/export.test.ts': 27,
  'test/integration/worker-fleet.test.ts': 25,
  'test/integration/fault-storm.test.ts': 25,
  'test/integration/import.test.ts': 23,
  'test/journeys/cancel.test.ts': 23,
  'test/identity/identity-cli.test.ts': 21,
  'test/audit/timeline.test.ts': 20,
  'test/api/npm-start.test.ts': 20,
  'test/integration/tracing.test.ts': 18,
  'test/journeys/lost-answers.test.ts': 17,
  'test/journeys/long-lived.test.ts': 16,
  'test/unit/stall-watchdog.test.ts': 16,
};

export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const seconds = (file: TestSpecification) =>
      SLOWEST_SECONDS[relative(file.project.config.root, file.moduleId)] ?? 0;
    const ordered = await super.sort(files);
    // A stable sort: the unlisted (0) keep vitest's order.
    return ordered.sort((a, b) => seconds(b) - seconds(a));
  }
}
